extension HomeAssistantSettings {
    /// Decodes `homeassistant: {enabled, prefix, min_version, device_based}`, recording every problem with its key
    /// (unknown keys, a prefix with `+`, `#` or a trailing `/`, a version not written `YYYY.M`, `device_based` with
    /// a `min_version` before 2024.11).
    /// - Throws: `ConfigurationError` when `node` is not a mapping.
    init(_ node: ConfigNode) throws {
        let m = try node.mapping(allowed: ["enabled", "prefix", "min_version", "device_based"])
        self.init()
        if let v = m["enabled"] { enabled = v.attempt { try v.bool() } ?? enabled }
        if let v = m["prefix"] {
            prefix =
                v.attempt {
                    let prefix = try v.string()
                    guard !prefix.isEmpty, !prefix.contains(where: { "+#".contains($0) }), !prefix.hasSuffix("/") else {
                        throw v.error("a topic prefix without + or # and without a trailing /")
                    }
                    return prefix
                } ?? prefix
        }
        if let v = m["min_version"] {
            minVersion =
                v.attempt {
                    guard let version = HomeAssistantVersion(try v.string()) else {
                        throw v.error("a Home Assistant release written YYYY.M, e.g. \"2024.1\"")
                    }
                    return version
                } ?? minVersion
        }
        if let v = m["device_based"], let value = v.attempt({ try v.bool() }) {
            deviceBased = value
            if deviceBased, minVersion < .deviceDiscovery {
                v.problems.record(
                    v.error(
                        "device-based discovery needs Home Assistant 2024.11 or later: set min_version: \"2024.11\""
                    )
                )
            }
        }
    }
}
