package import PRO380

/// The Home Assistant classes of a sensor, chosen from the register table's `Quantity` and the meter's state.
///
/// Rules Home Assistant enforces (sensor device classes, developers.home-assistant.io "Sensor entity"): `energy`
/// needs Wh, kWh or MWh and a state class `total` or `total_increasing`, never `measurement`; `reactive_energy`
/// (varh, kvarh) exists from 2025.6; `power_factor` has no unit (or %); `reactive_power` is var, `apparent_power`
/// VA, `frequency` Hz. Sensors may only carry `entity_category: diagnostic` (never `config`).
package struct EntityClassification: Sendable, Equatable {
    package var deviceClass: String?
    package var stateClass: String?
    /// `diagnostic`, or nil for a primary entity.
    package var entityCategory: String?
    package var enabledByDefault = true
    /// Whether `unit_of_measurement` is left out even though the reading has a unit field (power factor).
    package var dropsUnit = false

    /// Energy units the Energy dashboard accepts.
    package static let energyUnits: Set<String> = ["Wh", "kWh", "MWh"]
    /// Units Home Assistant accepts for `reactive_energy`.
    package static let reactiveEnergyUnits: Set<String> = ["varh", "kvarh"]

    /// Classifies a sensor for `quantity` published in `unit`.
    /// - Parameters:
    ///   - combinationCode: the meter's combination code (0x400F); codes 1 and 5 make the combined active energy
    ///     totals rise only (manual 7.11), any other code or an unknown one lets them fall.
    ///   - key: the vocabulary key (the tariff is a primary entity although it is a setting).
    package static func classify(
        key: String,
        quantity: Quantity,
        unit: String?,
        combinationCode: Int?,
        settings: HomeAssistantSettings
    ) -> EntityClassification {
        var c = EntityClassification()
        switch quantity {
        case .voltage: (c.deviceClass, c.stateClass) = ("voltage", "measurement")
        case .current: (c.deviceClass, c.stateClass) = ("current", "measurement")
        case .frequency: (c.deviceClass, c.stateClass) = ("frequency", "measurement")
        case .activePower: (c.deviceClass, c.stateClass) = ("power", "measurement")
        case .reactivePower: (c.deviceClass, c.stateClass) = ("reactive_power", "measurement")
        case .apparentPower: (c.deviceClass, c.stateClass) = ("apparent_power", "measurement")
        case .powerFactor:
            (c.deviceClass, c.stateClass) = ("power_factor", "measurement")
            c.dropsUnit = true
        case .activeEnergy:
            c.stateClass = combinationCode == 1 || combinationCode == 5 ? "total_increasing" : "total"
            c.deviceClass = unit.map(energyUnits.contains) == true ? "energy" : nil
        case .activeEnergyCounter:
            c.stateClass = "total_increasing"
            c.deviceClass = unit.map(energyUnits.contains) == true ? "energy" : nil
        case .reactiveEnergy, .reactiveEnergyCounter:
            c.stateClass = quantity == .reactiveEnergyCounter ? "total_increasing" : "total"
            let canClassify = settings.hasReactiveEnergyClass && unit.map(reactiveEnergyUnits.contains) == true
            c.deviceClass = canClassify ? "reactive_energy" : nil
        case .identity:
            c.entityCategory = "diagnostic"
            c.enabledByDefault = false
        case .setting where key == "tariff":
            break
        case .setting:
            c.entityCategory = "diagnostic"
            c.enabledByDefault = false
        case .status:
            c.entityCategory = "diagnostic"
        }
        return c
    }
}
