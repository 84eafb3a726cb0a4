/// One Home Assistant entity as discovery describes it: its platform and its own options, without the shared
/// parts (device, availability, origin) that `DiscoveryMessages` adds per payload style.
package struct DiscoveryComponent: Sendable, Equatable {
    /// The MQTT platform: `sensor`, `select`, `number` or `button`.
    package var platform: String
    /// The topic level / component id (`13070042_voltage_l1`): `[a-zA-Z0-9_-]` only.
    package var objectID: String
    /// The entity's own options (`unique_id`, `name`, `state_topic`, classes, ...), an object.
    package var options: JSONValue

    package init(platform: String, objectID: String, options: JSONValue) {
        self.platform = platform
        self.objectID = objectID
        self.options = options
    }
}

/// Identifiers and topic levels made safe for Home Assistant (`[a-zA-Z0-9_-]`, the discovery topic rule).
package enum DiscoveryID {
    /// `text` with every character outside `[a-zA-Z0-9_-]` replaced by `_`.
    package static func sanitize(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// The device identifier of a meter: `pro380_<serial>` (or `pro380_<serial>_<meter>`, `SharedSerials`).
    package static func meterDevice(serial: String) -> String { "pro380_" + sanitize(serial) }

    /// The device identifier of a bridge instance: `pro380_mqtt_<client_id>`.
    package static func bridgeDevice(clientID: String) -> String { "pro380_mqtt_" + sanitize(clientID) }
}
