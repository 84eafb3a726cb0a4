extension HomeAssistantSettings {
    /// Decodes `homeassistant: {enabled, prefix, min_version, device_based}`.
    /// - Throws: `ConfigurationError` naming the key: unknown keys, a prefix with `+`, `#` or a trailing `/`, a
    ///   version not written `YYYY.M`, `device_based` with a `min_version` before 2024.11.
    init(_ node: ConfigNode) throws {
        let m = try node.mapping(allowed: ["enabled", "prefix", "min_version", "device_based"])
        self.init()
        if let v = m["enabled"] { enabled = try v.bool() }
        if let v = m["prefix"] {
            prefix = try v.string()
            guard !prefix.isEmpty, !prefix.contains(where: { "+#".contains($0) }), !prefix.hasSuffix("/") else {
                throw v.error("a topic prefix without + or # and without a trailing /")
            }
        }
        if let v = m["min_version"] {
            guard let version = HomeAssistantVersion(try v.string()) else {
                throw v.error("a Home Assistant release written YYYY.M, e.g. \"2024.1\"")
            }
            minVersion = version
        }
        if let v = m["device_based"] {
            deviceBased = try v.bool()
            if deviceBased, minVersion < .deviceDiscovery {
                throw v.error(
                    "device-based discovery needs Home Assistant 2024.11 or later: set min_version: \"2024.11\""
                )
            }
        }
    }
}
