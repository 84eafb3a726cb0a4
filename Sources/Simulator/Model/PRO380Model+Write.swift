package import Foundation
package import PRO380

extension PRO380Model {
    /// Writes a setting or resets a counter, as a command over any protocol would (manual A2.2 and A3.2 "Write").
    ///
    /// Accepted values are exactly those of the key's `WriteSpecification.allowed` in the register table:
    /// `modbus_id` 1...247, `baud_rate` 300...9600 (the six rates), `parity` "even"/"none"/"odd",
    /// `s0_output_rate` one of the eight rates, `combination_code` 1, 4, 5, 6, 9, 10, 11, `lcd_cycle_time` 1...30,
    /// `power_down_counter` and `resettable_day_energy` 0 (reset), `tariff` 1, 2, "T1", "T2",
    /// `mbus_primary_address` 0...250, `mbus_secondary_address` 8 digits. Everything but an unsaved tariff is
    /// saved to the state file at once, as the meter writes its EEPROM.
    ///
    /// - Parameters:
    ///   - key: the vocabulary key.
    ///   - value: the value; numbers as `.integer` or `.decimal`, names and digit strings as `.text`.
    ///   - persist: for `tariff` only: `false` switches without saving (Modbus codes 11/12); the saved tariff
    ///     returns after a restart.
    ///   - now: the time of the write; counters integrate up to it under the old tariff.
    /// - Throws: `SimulatorError.unknownKey`, `.notWritable`, `.valueNotAllowed`, or `.stateFile` when the write
    ///   was applied but could not be saved.
    package func write(key: String, value: MeterValue, persist: Bool = true, at now: Date) throws(SimulatorError) {
        guard let definition = table[key] else { throw SimulatorError.unknownKey(key) }
        guard let specification = definition.write else { throw SimulatorError.notWritable(key: key) }
        guard let accepted = specification.allowed.simulatorAccepted(value) else {
            throw SimulatorError.valueNotAllowed(
                key: key,
                value: value.description,
                allowed: specification.allowed.description
            )
        }
        let savesToEEPROM = key != "tariff" || persist
        try mutate(at: now) {
            (settings: inout SimulatedMeterSettings, counters: inout EnergyCounters) throws(SimulatorError) in
            switch (key, accepted) {
            case ("modbus_id", .integer(let n)): settings.modbusID = n
            case ("baud_rate", .integer(let n)): settings.baudRate = n
            case ("combination_code", .integer(let n)): settings.combinationCode = n
            case ("lcd_cycle_time", .integer(let n)): settings.lcdCycleTime = n
            case ("mbus_primary_address", .integer(let n)): settings.mbusPrimaryAddress = n
            case ("s0_output_rate", .decimal(let d)): settings.s0OutputRate = d.decimal
            case ("parity", .text(let name)): settings.parity = name
            case ("mbus_secondary_address", .text(let digits)): settings.mbusSecondaryAddress = digits
            case ("power_down_counter", _): settings.powerDownCounter = 0
            case ("resettable_day_energy", _): counters.dayEnergy = 0
            case ("tariff", .integer(let t)):
                if persist {
                    settings.tariff = t
                    settings.unsavedTariff = nil
                } else {
                    settings.unsavedTariff = t
                }
            default: throw SimulatorError.notWritable(key: key)
            }
        }
        if savesToEEPROM { try saveState(at: now) }
    }
}

extension AllowedValues {
    /// `value` in the canonical form the model stores, or `nil` when the manual does not allow it: whole numbers
    /// as `.integer`, list members as `.decimal` (`.integer` when whole), names and digit strings as `.text`,
    /// tariffs as `.integer(1)` or `.integer(2)` ("T1"/"T2" accepted).
    func simulatorAccepted(_ value: MeterValue) -> MeterValue? {
        switch self {
        case .integers(let range):
            guard let n = value.wholeNumber, range.contains(n) else { return nil }
            return .integer(n)
        case .oneOf(let list):
            guard let d = value.exactDecimal, list.contains(d) else { return nil }
            if let n = value.wholeNumber,
                list.allSatisfy({ MeterValue.decimal($0).wholeNumber != nil })
            {
                return .integer(n)
            }
            return .decimal(d)
        case .names(let names):
            guard case .text(let text) = value, let named = names.first(where: { $0.name == text.lowercased() }) else {
                return nil
            }
            return .text(named.name)
        case .tariff:
            switch value {
            case .text(let t) where t.uppercased() == "T1": return .integer(1)
            case .text(let t) where t.uppercased() == "T2": return .integer(2)
            default:
                guard let n = value.wholeNumber, n == 1 || n == 2 else { return nil }
                return .integer(n)
            }
        case .digits(let count):
            switch value {
            case .text(let t) where t.count == count && t.allSatisfy({ $0.isASCII && $0.isNumber }): return .text(t)
            case .integer(let n) where n >= 0 && String(n).count <= count:
                return .text(String(repeating: "0", count: count - String(n).count) + String(n))
            default: return nil
            }
        }
    }
}
