package import Foundation
package import IEC62056
import PRO380

extension PRO380Model {
    /// The meter's data readout at `now`: the data sets a PRO380 sends on its optical port (IEC 62056-21 mode C).
    ///
    /// The manual does not give the real readout list (`docs/reading-the-manual.md`, appendix 4); this one is
    /// built from the register table's OBIS codes, so every protocol serves the same model values:
    /// - the serial number and the error code (two digits) under the table's codes (`C.1.0`, `F.F`), then `0.9.1(hhmmss)` time, `0.9.2(yymmdd)` date (UTC) and
    ///   `C.7.0(power down counter)`: codes the table does not map, as a real meter sends them;
    /// - every other row with an OBIS code, in table order, its value in the meter's own unit: power in kW, kvar
    ///   and kVA (the published W divided by 1000, exactly), energy in kWh and kvarh, V, A, Hz; a power factor
    ///   without unit. Values are exact decimals, so the bridge's ×1000 gives back the published value.
    /// - Parameter now: the time of the readout (the model integrates energy up to it).
    package func iecDataSets(at now: Date) -> [DataSet] {
        let values = values(at: now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        func two(_ n: Int?) -> String { String(format: "%02d", (n ?? 0) % 100) }
        var sets: [DataSet] = []
        if case .text(let serial)? = values["serial_number"], let code = table["serial_number"]?.obis.last {
            sets.append(DataSet(address: code, value: serial))
        }
        if let code = table["error_code"]?.obis.last {
            sets.append(DataSet(address: code, value: two(values["error_code"].flatMap { Int($0.description) } ?? 0)))
        }
        sets.append(DataSet(address: "0.9.1", value: two(parts.hour) + two(parts.minute) + two(parts.second)))
        sets.append(DataSet(address: "0.9.2", value: two(parts.year) + two(parts.month) + two(parts.day)))
        if let counter = values["power_down_counter"] {
            sets.append(DataSet(address: "C.7.0", value: counter.description))
        }
        for definition in table.definitions where !definition.obis.isEmpty {
            guard definition.key != "serial_number", definition.key != "error_code",
                let code = definition.obis.last, let value = values[definition.key]
            else { continue }
            let (text, unit) = Self.meterUnit(value, published: definition.unit)
            sets.append(DataSet(address: code, value: text, unit: unit))
        }
        return sets
    }

    /// A published value as the meter writes it: W, var and VA back to kW, kvar and kVA.
    static func meterUnit(_ value: MeterValue, published unit: String?) -> (String, String?) {
        let kilo: [String: String] = ["W": "kW", "var": "kvar", "VA": "kVA"]
        guard let unit, let meterUnit = kilo[unit] else { return (value.description, unit) }
        return (value.scaled(by: Decimal(sign: .plus, exponent: -3, significand: 1)).description, meterUnit)
    }
}
