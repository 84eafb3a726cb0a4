import Foundation

/// The discovery config topics this bridge instance has published, per owner (a meter name, or `bridge`), kept
/// retained on `<base>/bridge/<client_id>/discovery` so that a restart knows what to clear: the configs of a
/// meter removed from the config file, and configs a meter no longer needs (a key refused, the other discovery
/// style, a swapped meter with a new serial number).
///
/// Payload: `{"owners": {"main": ["homeassistant/sensor/pro380-mqtt/13070042_voltage_l1/config", ...]}}`.
package struct DiscoveryRegistry: Sendable, Equatable {
    /// The owner name of the bridge's own entities (never a meter name: the config refuses `bridge`).
    package static let bridgeOwner = "bridge"

    package var owners: [String: Set<String>]

    package init(owners: [String: Set<String>] = [:]) { self.owners = owners }

    /// Decodes a retained registry; an empty or unreadable payload is an empty registry.
    package init(payload: [UInt8]) {
        guard !payload.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let owners = object["owners"] as? [String: Any]
        else {
            self.init()
            return
        }
        var decoded: [String: Set<String>] = [:]
        for (owner, topics) in owners {
            if let list = topics as? [String] { decoded[owner] = Set(list) }
        }
        self.init(owners: decoded)
    }

    /// The retained payload, owners and topics sorted.
    package var payload: String {
        let members = owners.keys.sorted().map { owner -> (String, JSONValue) in
            (owner, .array(owners[owner]!.sorted().map(JSONValue.string)))
        }
        return JSONValue.object([("owners", .object(members))]).text
    }
}
