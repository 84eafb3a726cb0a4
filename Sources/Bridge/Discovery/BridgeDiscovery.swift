import Foundation

/// Builds the bridge instance itself as a Home Assistant device with diagnostic sensors read from
/// `<base>/bridge/<client_id>/diagnostics` (fields written by `DiagnosticsReporter`). Pure.
package struct BridgeDiscovery: Sendable {
    package var topics: TopicLayout

    package init(topics: TopicLayout) { self.topics = topics }

    /// A diagnostics field shown as a sensor.
    struct Field {
        var path: String
        var name: String
        var unit: String?
        var deviceClass: String?
        var stateClass: String
    }

    static let fields: [Field] = [
        Field(path: "meters_online", name: "Meters online", stateClass: "measurement"),
        Field(
            path: "poll_cycle_time",
            name: "Poll cycle time",
            unit: "s",
            deviceClass: "duration",
            stateClass: "measurement"
        ),
        Field(path: "errors.timeouts", name: "Timeouts", stateClass: "total_increasing"),
        Field(path: "errors.protocol_errors", name: "Protocol errors", stateClass: "total_increasing"),
        Field(path: "errors.exceptions", name: "Meter exceptions", stateClass: "total_increasing"),
        Field(path: "errors.rejected_values", name: "Rejected values", stateClass: "total_increasing"),
        Field(path: "queued_messages", name: "Outbox depth", stateClass: "measurement"),
        Field(
            path: "outbox.oldest_age",
            name: "Outbox oldest message age",
            unit: "s",
            deviceClass: "duration",
            stateClass: "measurement"
        ),
        Field(
            path: "outbox.bytes",
            name: "Outbox size",
            unit: "B",
            deviceClass: "data_size",
            stateClass: "measurement"
        ),
        Field(path: "dropped_messages", name: "Dropped messages", stateClass: "total_increasing"),
    ]

    /// The bridge's diagnostic sensors.
    package var components: [DiscoveryComponent] {
        let device = DiscoveryID.bridgeDevice(clientID: topics.clientID)
        return Self.fields.map { field in
            let id = field.path.replacingOccurrences(of: ".", with: "_")
            var options: [(String, JSONValue)] = [
                ("unique_id", .string("\(device)_\(id)")),
                ("name", .string(field.name)),
                ("state_topic", .string(topics.bridgeDiagnostics)),
                ("value_template", .string("{{ value_json.\(field.path) }}")),
            ]
            if let unit = field.unit { options.append(("unit_of_measurement", .string(unit))) }
            if let deviceClass = field.deviceClass { options.append(("device_class", .string(deviceClass))) }
            options += [("state_class", .string(field.stateClass)), ("entity_category", "diagnostic")]
            return DiscoveryComponent(platform: "sensor", objectID: "\(device)_\(id)", options: .object(options))
        }
    }

    /// The bridge's `device` block (the meters name it as `via_device`).
    package var device: JSONValue {
        .object([
            ("identifiers", .array([.string(DiscoveryID.bridgeDevice(clientID: topics.clientID))])),
            ("name", .string("pro380-mqtt \(topics.clientID)")),
            ("manufacturer", "pro380-mqtt"),
            ("model", "PRO380 MQTT bridge"),
        ])
    }

    /// Bridge entities are available while the bridge is connected (its will sets `offline`).
    package var availability: [(String, JSONValue)] {
        [
            (
                "availability",
                .array([
                    .object([
                        ("topic", .string(topics.bridgeState)), ("payload_available", "online"),
                        ("payload_not_available", "offline"),
                    ])
                ])
            )
        ]
    }
}
