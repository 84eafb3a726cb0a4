/// Home Assistant MQTT discovery settings (`homeassistant:` in the config file).
///
/// Discovery is on by default: a bridge pointed at the broker Home Assistant uses shows its meters there with no
/// YAML. `minVersion` is the oldest Home Assistant release the published configs must still load in; it decides
/// whether features newer than that release (the `reactive_energy` device class, device-based discovery) are used.
package struct HomeAssistantSettings: Sendable, Equatable {
    /// Publish discovery configs (`enabled`, default true). When false, configs this bridge published earlier are
    /// cleared on start.
    package var enabled = true
    /// The discovery prefix Home Assistant listens on (`prefix`, default `homeassistant`); its birth message is
    /// expected on `<prefix>/status`.
    package var prefix = "homeassistant"
    /// The oldest Home Assistant release to support (`min_version`, default 2024.1).
    package var minVersion = HomeAssistantVersion(year: 2024, month: 1)
    /// One `<prefix>/device/<id>/config` per meter instead of one config per entity (`device_based`, default
    /// false); needs `min_version` 2024.11 or later.
    package var deviceBased = false

    package init(
        enabled: Bool = true,
        prefix: String = "homeassistant",
        minVersion: HomeAssistantVersion = HomeAssistantVersion(year: 2024, month: 1),
        deviceBased: Bool = false
    ) {
        self.enabled = enabled
        self.prefix = prefix
        self.minVersion = minVersion
        self.deviceBased = deviceBased
    }

    /// Whether `reactive_energy` is a sensor device class in every supported release (added in 2025.6:
    /// home-assistant/core#143941).
    package var hasReactiveEnergyClass: Bool { minVersion >= .reactiveEnergyClass }
}

/// A Home Assistant release, `year.month` (the patch number does not matter for discovery features).
package struct HomeAssistantVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    package var year: Int
    package var month: Int

    package init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Parses `2024.1`, `2025.6.3`; nil for anything else.
    package init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let year = Int(parts[0]), let month = Int(parts[1]), year >= 2020,
            (1...12).contains(month), parts.count == 2 || Int(parts[2]) != nil
        else { return nil }
        self.init(year: year, month: month)
    }

    /// The sensor device class `reactive_energy` (varh, kvarh).
    package static let reactiveEnergyClass = HomeAssistantVersion(year: 2025, month: 6)
    /// Device-based discovery: `<prefix>/device/<id>/config` with `cmps` (the MQTT integration docs).
    package static let deviceDiscovery = HomeAssistantVersion(year: 2024, month: 11)

    package static func < (lhs: HomeAssistantVersion, rhs: HomeAssistantVersion) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    package var description: String { "\(year).\(month)" }
}
