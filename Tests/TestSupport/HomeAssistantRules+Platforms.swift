import Foundation

extension HomeAssistantRules {
    static func check(platform: String, _ c: [String: Any], label: String) -> [String] {
        var problems: [String] = []
        func fail(_ message: String) { problems.append("\(label): \(message)") }
        guard let allowed = platformKeys[platform] else { return ["\(label): unsupported platform \(platform)"] }
        for key in c.keys where !allowed.contains(key) && !common.contains(key) {
            fail("key \(key) not allowed for \(platform)")
        }
        for key in required[platform] ?? [] where c[key] == nil { fail("missing \(key)") }
        guard let uniqueID = c["unique_id"] as? String, !uniqueID.isEmpty else {
            return problems + ["\(label): no unique_id"]
        }
        guard let device = c["device"] as? [String: Any], let ids = device["identifiers"] as? [String], !ids.isEmpty
        else {
            return problems + ["\(label): no device identifiers"]
        }
        for key in device.keys where !deviceKeys.contains(key) { fail("device key \(key) not allowed") }
        if let availability = c["availability"] {
            guard let list = availability as? [[String: Any]], !list.isEmpty, list.allSatisfy({ $0["topic"] is String })
            else {
                return problems + ["\(label): availability must be a list of {topic}"]
            }
        }
        if let mode = c["availability_mode"] as? String, !["all", "any", "latest"].contains(mode) {
            fail("availability_mode \(mode)")
        }
        if let category = c["entity_category"] as? String {
            if !["config", "diagnostic"].contains(category) || (platform == "sensor" && category == "config") {
                fail("entity_category \(category) not allowed for \(platform)")
            }
        }
        switch platform {
        case "sensor": problems += sensor(c, label: label)
        case "select":
            if (c["options"] as? [String])?.isEmpty != false { fail("options must be a non-empty list of strings") }
        case "number":
            if let min = c["min"] as? Double, let max = c["max"] as? Double, min >= max { fail("min >= max") }
            if let step = c["step"] as? Double, step <= 0 { fail("step <= 0") }
        default: break
        }
        return problems
    }

    static func sensor(_ c: [String: Any], label: String) -> [String] {
        var problems: [String] = []
        let unit = c["unit_of_measurement"] as? String
        let stateClass = c["state_class"] as? String
        if let stateClass, !["measurement", "total", "total_increasing"].contains(stateClass) {
            problems.append("\(label): state_class \(stateClass)")
        }
        guard let deviceClass = c["device_class"] as? String else { return problems }
        guard let units = sensorUnits[deviceClass] else {
            return problems + ["\(label): device_class \(deviceClass) unknown"]
        }
        if !units.contains(unit) { problems.append("\(label): unit \(unit ?? "none") not valid for \(deviceClass)") }
        if deviceClass == "energy" || deviceClass == "reactive_energy" {
            if stateClass != "total" && stateClass != "total_increasing" {
                problems.append("\(label): \(deviceClass) needs state_class total or total_increasing")
            }
        }
        if deviceClass == "energy", let unit, !energyDashboardUnits.contains(unit) {
            problems.append("\(label): the Energy dashboard does not take \(unit)")
        }
        return problems
    }
}
