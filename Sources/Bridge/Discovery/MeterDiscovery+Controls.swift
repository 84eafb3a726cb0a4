import Foundation
import PRO380

extension MeterDiscovery {
    /// The platform and options of the control entity for a writable key, or nil when it gets none (resets are
    /// buttons next to their sensor; M-Bus secondary addresses would need a `text` entity).
    func control(
        _ definition: RegisterDefinition,
        meter: MeterSnapshot
    ) -> (platform: String, options: [(String, JSONValue)])? {
        guard let spec = definition.write else { return nil }
        let command: (String, JSONValue) = (
            "command_topic", .string(topics.commandSet(meter: meter.name, key: definition.key))
        )
        let primary = definition.key == "tariff"
        let category: [(String, JSONValue)] = primary ? [] : [("entity_category", "config")]
        switch spec.allowed {
        case .tariff:
            // The meter publishes 1 or 2; the command accepts T1/T2 (CommandValueParser).
            return (
                "select",
                [("value_template", "T{{ value_json.value }}"), command, ("options", ["T1", "T2"])] + category
            )
        case .oneOf(let values) where values == [0]:
            return nil
        case .oneOf(let values):
            let options = JSONValue.array(values.map { .string("\($0)") })
            return ("select", [("value_template", "{{ value_json.value }}"), command, ("options", options)] + category)
        case .names(let names):
            let options = JSONValue.array(names.map { .string($0.name) })
            return ("select", [("value_template", "{{ value_json.value }}"), command, ("options", options)] + category)
        case .integers(let range):
            var options: [(String, JSONValue)] = [
                ("value_template", "{{ value_json.value }}"), command,
                ("min", .number(String(range.lowerBound))), ("max", .number(String(range.upperBound))), ("step", 1),
                ("mode", "box"),
            ]
            if let unit = definition.unit { options.append(("unit_of_measurement", .string(unit))) }
            return ("number", options + category)
        case .digits:
            return nil
        }
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
