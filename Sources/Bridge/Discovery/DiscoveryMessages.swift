/// Turns a device's entities into retained discovery messages: one config per entity
/// (`<prefix>/<platform>/<node_id>/<object_id>/config`) or, with `device_based`, one device config
/// (`<prefix>/device/<device_id>/config` with `cmps`, each component naming its platform in `p`).
///
/// Every payload carries the `device` block, the availability and the origin `o` (MQTT integration docs,
/// "Discovery messages": device-based payloads require both `dev` and `o`).
package struct DiscoveryMessages: Sendable {
    package var settings: HomeAssistantSettings
    /// The `<node_id>` topic level: the bridge's client id, sanitized (stable per bridge instance).
    package var nodeID: String

    package init(settings: HomeAssistantSettings, clientID: String) {
        self.settings = settings
        self.nodeID = DiscoveryID.sanitize(clientID)
    }

    /// The origin block: which software published the configs.
    static let origin: JSONValue = .object([("name", "pro380-mqtt")])

    /// The messages (topic → payload text) for one device.
    /// - Parameters:
    ///   - deviceID: the device's identifier (`pro380_<serial>`), the device-based topic level.
    ///   - shared: the availability members every entity carries.
    package func messages(
        deviceID: String,
        device: JSONValue,
        shared: [(String, JSONValue)],
        components: [DiscoveryComponent]
    ) -> [String: String] {
        guard !components.isEmpty else { return [:] }
        if settings.deviceBased {
            let cmps = components.map { component -> (String, JSONValue) in
                guard case .object(let options) = component.options else {
                    return (component.objectID, component.options)
                }
                return (component.objectID, .object([("p", .string(component.platform))] + options))
            }
            let payload = JSONValue.object(
                [("dev", device), ("o", Self.origin)] + shared + [("cmps", .object(cmps))]
            )
            return ["\(settings.prefix)/device/\(DiscoveryID.sanitize(deviceID))/config": payload.text]
        }
        var out: [String: String] = [:]
        for component in components {
            guard case .object(let options) = component.options else { continue }
            let payload = JSONValue.object(options + [("device", device)] + shared + [("o", Self.origin)])
            out["\(settings.prefix)/\(component.platform)/\(nodeID)/\(component.objectID)/config"] = payload.text
        }
        return out
    }
}
