import Foundation

/// Home Assistant's rules for MQTT discovery payloads, as a test oracle: the keys each platform's schema accepts
/// (extra keys make Home Assistant reject the config), required keys, allowed device and state classes, and the
/// units each sensor device class accepts (developers.home-assistant.io "Sensor entity"; home-assistant.io MQTT
/// sensor/select/number/button and "MQTT discovery").
package enum HomeAssistantRules {
    static let common: Set<String> = [
        "unique_id", "name", "device", "availability", "availability_mode", "availability_topic", "o", "origin",
        "entity_category", "enabled_by_default", "icon", "qos", "object_id", "default_entity_id", "encoding",
        "json_attributes_topic", "json_attributes_template", "p", "platform", "entity_picture",
    ]
    static let platformKeys: [String: Set<String>] = [
        "sensor": [
            "state_topic", "value_template", "unit_of_measurement", "device_class", "state_class", "expire_after",
            "force_update", "suggested_display_precision", "last_reset_value_template", "options",
        ],
        "select": [
            "state_topic", "value_template", "command_topic", "command_template", "options", "optimistic", "retain",
        ],
        "number": [
            "state_topic", "value_template", "command_topic", "command_template", "min", "max", "step", "mode",
            "unit_of_measurement", "device_class", "optimistic", "retain", "payload_reset",
        ],
        "button": ["command_topic", "command_template", "payload_press", "device_class", "retain"],
    ]
    static let required: [String: [String]] = [
        "sensor": ["state_topic"], "select": ["command_topic", "options"], "number": ["command_topic"],
        "button": ["command_topic"],
    ]
    static let deviceKeys: Set<String> = [
        "identifiers", "connections", "name", "manufacturer", "model", "model_id", "sw_version", "hw_version",
        "serial_number", "via_device", "suggested_area", "configuration_url",
    ]
    /// Sensor device classes this project may use, with the units Home Assistant accepts for them (nil = none).
    package static let sensorUnits: [String: Set<String?>] = [
        "energy": ["Wh", "kWh", "MWh", "GWh", "J", "kJ", "MJ", "GJ"], "power": ["W", "kW", "MW"],
        "voltage": ["V", "mV", "kV"], "current": ["A", "mA"], "frequency": ["Hz", "kHz", "MHz", "GHz"],
        "power_factor": [nil, "%"], "reactive_power": ["var", "kvar"], "apparent_power": ["VA"],
        "reactive_energy": ["varh", "kvarh"], "duration": ["s", "min", "h", "d", "ms"],
        "data_size": ["B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"],
    ]
    /// Units the Energy dashboard accepts for electricity.
    package static let energyDashboardUnits: Set<String> = ["Wh", "kWh", "MWh"]

    /// Every rule `payload` on `topic` breaks; empty when Home Assistant would accept it.
    package static func violations(topic: String, payload: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            return ["\(topic): not a JSON object"]
        }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 4, levels.last == "config", levels.dropFirst().dropLast().allSatisfy(isIDLevel) else {
            return ["\(topic): not <prefix>/<component>/[<node_id>/]<object_id>/config with [a-zA-Z0-9_-] levels"]
        }
        if levels[1] == "device" {
            var problems: [String] = []
            guard let cmps = object["cmps"] as? [String: [String: Any]], !cmps.isEmpty else {
                return ["\(topic): no cmps"]
            }
            if (object["o"] as? [String: Any])?["name"] == nil {
                problems.append("\(topic): device payload needs o.name")
            }
            guard let device = object["dev"] as? [String: Any] else { return problems + ["\(topic): no dev"] }
            for (id, component) in cmps {
                var merged = component
                merged["device"] = device
                for key in ["availability", "availability_mode", "o"] where merged[key] == nil {
                    merged[key] = object[key]
                }
                guard let platform = component["p"] as? String else {
                    problems.append("\(topic) \(id): no p")
                    continue
                }
                problems += check(platform: platform, merged, label: "\(topic) \(id)")
            }
            return problems
        }
        return check(platform: levels[1], object, label: topic)
    }

    static func isIDLevel(_ level: String) -> Bool {
        !level.isEmpty && level.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
