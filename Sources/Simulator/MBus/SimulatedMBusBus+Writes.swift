import Foundation
import MBus
import PRO380
import PRO380Protocols

extension SimulatedMBusBus {
    /// Applies a SND_UD to a meter's model (manual A2.2 "Write"); `true` when the meter acknowledges with E5.
    ///
    /// CI B8 ... BD set the baud rate. CI 51 carries the write records of `MBusWriteEncoder` (the bridge's own
    /// table, decoded here). A record the meter does not know, or a value the manual does not allow, gets no
    /// answer (the meter ignores the telegram), so the master sees a timeout.
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
            guard let (key, value) = MBusWriteEncoder.decode(record) else { return false }
            do { try model.write(key: key, value: value, at: now) } catch { return false }
        }
        return true
    }
}
