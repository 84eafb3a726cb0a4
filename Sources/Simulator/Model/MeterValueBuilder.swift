import Foundation
import PRO380

/// Turns a meter's settings, counters and instantaneous load into its published values (pure).
///
/// Measured numbers are rounded to what the meter's IEEE-754 single registers carry in the meter's own unit
/// (kW, not W; the row's `scale` in the table), then scaled to the published unit exactly as a reader does, so
/// `values` equals what any protocol client decodes.
struct MeterValueBuilder {
    let table: RegisterTable
    let settings: SimulatedMeterSettings
    let counters: EnergyCounters
    let phases: [PhaseLoad]

    func values(frequency: Double) -> [String: MeterValue] {
        var out: [String: MeterValue] = [:]
        let code = CombinationCode(rawValue: settings.combinationCode) ?? .forwardPlusReverse
        let p = phases.map(\.activePower)
        let q = phases.map(\.reactivePower)
        let s = phases.map(\.apparentPower)
        let suffixes = ["l1", "l2", "l3"]

        out["serial_number"] = .text(settings.serialNumber)
        out["meter_code"] = .text(settings.meterCode)
        out["modbus_id"] = .integer(settings.modbusID)
        out["baud_rate"] = .integer(settings.baudRate)
        out["protocol_version"] = single("protocol_version", settings.protocolVersion)
        out["software_version"] = single("software_version", settings.softwareVersion)
        out["hardware_version"] = single("hardware_version", settings.hardwareVersion)
        out["rated_current"] = .integer(settings.ratedCurrent)
        out["ct_ratio"] = .integer(settings.ctRatio)
        out["s0_output_rate"] = single("s0_output_rate", settings.s0OutputRate)
        out["combination_code"] = .integer(settings.combinationCode)
        out["lcd_cycle_time"] = .integer(settings.lcdCycleTime)
        out["parity"] = .text(settings.parity)
        out["error_code"] = .integer(0)
        out["power_down_counter"] = .integer(settings.powerDownCounter)
        out["quadrant"] = .integer(PhaseLoad.quadrant(active: p.reduce(0, +), reactive: q.reduce(0, +)))
        out["firmware_checksum"] = .text(settings.firmwareChecksum)
        out["status_word"] = .text(settings.statusWord)
        out["ct_mode"] = .integer(settings.ctMode)
        out["mbus_primary_address"] = .integer(settings.mbusPrimaryAddress)
        out["mbus_secondary_address"] = .text(settings.mbusSecondaryAddress)

        // A PRO1 is a single-phase meter: its "voltage" and "current" are those of its one phase.
        out["voltage"] = single("voltage", phases[0].voltage)
        out["current"] = single("current", phases[0].current)
        out["frequency"] = single("frequency", frequency)
        out["active_power_total"] = single("active_power_total", p.reduce(0, +))
        out["reactive_power_total"] = single("reactive_power_total", q.reduce(0, +))
        out["apparent_power_total"] = single("apparent_power_total", s.reduce(0, +))
        let sTotal = s.reduce(0, +)
        out["power_factor_total"] = single("power_factor_total", sTotal == 0 ? 1 : p.reduce(0, +) / sTotal)
        for (i, suffix) in suffixes.enumerated() {
            let phase = phases[i]
            out["current_direction_\(suffix)"] = .text(phase.activePower < 0 ? "-" : "+")
            out["quadrant_\(suffix)"] = .integer(phase.quadrant)
            out["voltage_\(suffix)"] = single("voltage_\(suffix)", phase.voltage)
            out["current_\(suffix)"] = single("current_\(suffix)", phase.current)
            out["active_power_\(suffix)"] = single("active_power_\(suffix)", phase.activePower)
            out["reactive_power_\(suffix)"] = single("reactive_power_\(suffix)", phase.reactivePower)
            out["apparent_power_\(suffix)"] = single("apparent_power_\(suffix)", phase.apparentPower)
            out["power_factor_\(suffix)"] = single("power_factor_\(suffix)", phase.powerFactor)
        }
        addEnergy(to: &out, code: code)
        out["tariff"] = .integer(settings.activeTariff)
        out["resettable_day_energy"] = single("resettable_day_energy", counters.dayEnergy)

        let pro1Only = Set(table.definitions.filter { $0.modbus?.pro1Only == true }.map(\.key))
        return out.filter { key, _ in
            table[key] != nil && (!pro1Only.contains(key) || settings.pro1OnlyKeys.contains(key))
        }
    }

    /// `active_energy_*`, `forward_active_energy_*`, ... for active and reactive energy.
    private func addEnergy(to out: inout [String: MeterValue], code: CombinationCode) {
        for (reactive, kind) in [(false, "active"), (true, "reactive")] {
            var rows: [(String, (forward: Double, reverse: Double))] = [
                ("total", counters.totals(reactive: reactive, tariff: nil, code: code)),
                ("t1", counters.totals(reactive: reactive, tariff: 1, code: code)),
                ("t2", counters.totals(reactive: reactive, tariff: 2, code: code)),
            ]
            for i in 0..<3 { rows.append(("l\(i + 1)", counters.phase(i, reactive: reactive))) }
            for (suffix, energy) in rows {
                let total = code.total(forward: energy.forward, reverse: energy.reverse)
                out["\(kind)_energy_\(suffix)"] = single("\(kind)_energy_\(suffix)", total)
                out["forward_\(kind)_energy_\(suffix)"] = single("forward_\(kind)_energy_\(suffix)", energy.forward)
                out["reverse_\(kind)_energy_\(suffix)"] = single("reverse_\(kind)_energy_\(suffix)", energy.reverse)
            }
        }
    }

    /// `value` (published unit) as the meter's single register carries it, back in the published unit.
    private func single(_ key: String, _ value: Double) -> MeterValue? {
        let scale = table[key]?.modbus?.scale ?? 1
        let meterUnit = value / NSDecimalNumber(decimal: scale).doubleValue
        return MeterValue(single: Float(meterUnit))?.scaled(by: scale)
    }

    private func single(_ key: String, _ value: Decimal) -> MeterValue? {
        single(key, NSDecimalNumber(decimal: value).doubleValue)
    }
}
