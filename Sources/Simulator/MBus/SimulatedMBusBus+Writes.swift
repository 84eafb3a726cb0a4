import Foundation
import MBus
import PRO380

extension SimulatedMBusBus {
    /// Applies a SND_UD to a meter's model (manual A2.2 "Write"); `true` when the meter acknowledges with E5.
    ///
    /// CI B8 ... BD set the baud rate. CI 51 carries records: `01 7A` primary address, `0C 79` secondary address
    /// (BCD, least significant byte first, as in the header), `09 7C 01 54` tariff, `09 FD 3A` combination code,
    /// `0C FD 3A` S0 rate × 100, `0C 04` resettable kWh (reset), `0A FD 60` power-down counter (reset). A record
    /// the meter does not know, or a value the manual does not allow, gets no answer (the meter ignores the
    /// telegram), so the master sees a timeout.
    static func apply(ci: UInt8, data: [UInt8], to model: PRO380Model, at now: Date) -> Bool {
        if let index = ControlInformation.baudRates.indices.first(where: {
            ControlInformation.baudRateChange(to: ControlInformation.baudRates[$0]) == ci
        }) {
            return (try? model.write(key: "baud_rate", value: .integer(ControlInformation.baudRates[index]), at: now))
                != nil
        }
        guard ci == ControlInformation.dataSend,
            let structure = try? VariableDataDecoder.decode(
                ci: ControlInformation.variableDataResponseNoHeader,
                data: data
            ),
            !structure.records.isEmpty
        else { return false }
        for record in structure.records {
            guard let (key, value) = write(for: record) else { return false }
            do { try model.write(key: key, value: value, at: now) } catch { return false }
        }
        return true
    }

    /// The model key and value a write record carries.
    static func write(for record: MBusDataRecord) -> (String, MeterValue)? {
        guard let number = record.value.number else { return nil }
        let integer = NSDecimalNumber(decimal: number).intValue
        switch (record.vib.vif, record.vib.extensions.first.map { $0 & 0x7F }) {
        case (0x7A, nil): return ("mbus_primary_address", .integer(integer))
        case (0x79, nil): return ("mbus_secondary_address", .text(String(format: "%08d", integer)))
        case (0x7C, nil) where record.vib.plainText == "T": return ("tariff", .integer(integer))
        case (0x7D, 0x3A) where record.dib.coding == .bcd2: return ("combination_code", .integer(integer))
        case (0x7D, 0x3A): return ("s0_output_rate", .decimal(number / 100))
        case (0x04, nil): return ("resettable_day_energy", .integer(0))
        case (0x7D, 0x60): return ("power_down_counter", .integer(0))
        default: return nil
        }
    }
}
