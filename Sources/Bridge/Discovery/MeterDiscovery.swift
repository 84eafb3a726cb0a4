import Foundation
package import PRO380

/// Builds the Home Assistant entities of one meter from the register table and what the meter published.
///
/// One entity per published key: a `sensor`, or, for a key this meter may write (`allow_commands`, writable over
/// its protocol), the control that also shows its state (`select` for the tariff and for settings with a list of
/// values, `number` for ranges). Resets (`power_down_counter`, `resettable_day_energy`: the only allowed value is
/// 0) get a `button` next to the sensor. Unique ids are `pro380_<serial>_<key>`, stable across renames of the
/// meter in the config (`pro380_<serial>_<meter>_<key>` for a second meter of the config reading the same serial
/// number, `SharedSerials`). Pure: no I/O.
package struct MeterDiscovery: Sendable {
    package var topics: TopicLayout
    package var settings: HomeAssistantSettings
    package var table: RegisterTable = .pro380

    package init(topics: TopicLayout, settings: HomeAssistantSettings) {
        self.topics = topics
        self.settings = settings
    }

    /// The meter's entities; empty until its serial number is known.
    package func components(for meter: MeterSnapshot) -> [DiscoveryComponent] {
        guard let stem = meter.idStem else { return [] }
        var components: [DiscoveryComponent] = []
        for key in meter.publishedKeys {
            let unit = meter.entry.units[key] ?? nil
            let definition = table[key]
            let objectID = DiscoveryID.sanitize("\(stem)_\(key)")
            var options: [(String, JSONValue)] = [
                ("unique_id", .string("pro380_" + objectID)),
                ("name", .string(definition?.name ?? Self.name(forUnknownKey: key))),
                ("state_topic", .string(topics.reading(meter: meter.name, key: key))),
            ]
            if let definition, meter.canWrite(definition), let control = control(definition, meter: meter) {
                options += control.options
                components.append(
                    DiscoveryComponent(platform: control.platform, objectID: objectID, options: .object(options))
                )
                continue
            }
            options.append(("value_template", "{{ value_json.value }}"))
            let c =
                definition.map {
                    EntityClassification.classify(
                        key: key,
                        quantity: $0.quantity,
                        unit: unit,
                        combinationCode: meter.combinationCode,
                        settings: settings
                    )
                } ?? EntityClassification()
            if let unit, !c.dropsUnit { options.append(("unit_of_measurement", .string(unit))) }
            if let deviceClass = c.deviceClass { options.append(("device_class", .string(deviceClass))) }
            if let stateClass = c.stateClass { options.append(("state_class", .string(stateClass))) }
            if let category = c.entityCategory { options.append(("entity_category", .string(category))) }
            if !c.enabledByDefault { options.append(("enabled_by_default", false)) }
            components.append(DiscoveryComponent(platform: "sensor", objectID: objectID, options: .object(options)))
        }
        for definition in table.definitions where definition.write?.allowed == .oneOf([0]) && meter.canWrite(definition)
        {
            let objectID = DiscoveryID.sanitize("\(stem)_\(definition.key)_reset")
            let options: [(String, JSONValue)] = [
                ("unique_id", .string("pro380_" + objectID)),
                ("name", .string("Reset " + definition.name.lowercased())),
                ("command_topic", .string(topics.commandSet(meter: meter.name, key: definition.key))),
                ("payload_press", "0"),
                ("entity_category", "config"),
            ]
            components.append(DiscoveryComponent(platform: "button", objectID: objectID, options: .object(options)))
        }
        return components
    }

    /// The `device` block shared by the meter's entities.
    package func device(for meter: MeterSnapshot) -> JSONValue? {
        guard let stem = meter.idStem else { return nil }
        var members: [(String, JSONValue)] = [
            ("identifiers", .array([.string(DiscoveryID.meterDevice(serial: stem))])),
            ("name", .string("PRO380 \(meter.name)")),
            ("manufacturer", "Inepro Metering"),
            ("model", .string(meter.model)),
        ]
        if let sw = meter.entry.identity["software_version"] { members.append(("sw_version", .string(sw.description))) }
        if let hw = meter.entry.identity["hardware_version"] { members.append(("hw_version", .string(hw.description))) }
        members.append(("via_device", .string(DiscoveryID.bridgeDevice(clientID: topics.clientID))))
        return .object(members)
    }

    /// The availability list: the bridge's state and the meter's availability, both must be `online`.
    package func availability(meter: String) -> [(String, JSONValue)] {
        let entries = [topics.bridgeState, topics.availability(meter: meter)].map { topic -> JSONValue in
            .object([("topic", .string(topic)), ("payload_available", "online"), ("payload_not_available", "offline")])
        }
        return [("availability", .array(entries)), ("availability_mode", "all")]
    }

    /// A readable name for a key outside the table (`obis_96_1_3` → "OBIS 96 1 3").
    static func name(forUnknownKey key: String) -> String {
        let words = key.split(separator: "_").map(String.init)
        guard let first = words.first else { return key }
        let head = first == "obis" || first == "mbus" ? (first == "obis" ? "OBIS" : "M-Bus") : first.capitalized
        return ([head] + words.dropFirst()).joined(separator: " ")
    }
}
