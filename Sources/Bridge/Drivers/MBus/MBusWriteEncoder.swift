import Foundation
package import MBus
package import PRO380

/// The data record of each PRO380-Mb SND_UD write (CI 51; manual A2.2 "Write"). Pure.
///
/// | key | record | example (manual) |
/// |---|---|---|
/// | tariff | `09 7C 01 54` + 1 BCD byte (plain-text VIF "T") | `09 7C 01 54 02`: tariff 2 |
/// | mbus_primary_address | `01 7A` + 1 binary byte | `01 7A 01` |
/// | mbus_secondary_address | `0C 79` + 4 BCD bytes, least significant first | `0C 79 45 23 01 15`: 15012345 |
/// | combination_code | `09 FD 3A` + 1 BCD byte | `09 FD 3A 05` |
/// | s0_output_rate | `0C FD 3A` + 4 BCD bytes of the rate × 100 | `0C FD 3A 00 00 01 00`: 100 imp/kWh |
/// | resettable_day_energy | `0C 04 00 00 00 00` (value ignored: reset) | |
/// | power_down_counter | `0A FD 60 00 00` (value ignored: reset) | |
///
/// The secondary address goes least significant byte first, the byte order of the identification in the fixed
/// header (the manual says "4 bytes BCD same as read"); its printed `15 01 23 45` is the number written most
/// significant first, as the manual prints the header's `25 CD` (see `docs/mbus.md`).
/// The baud rate is not a record: it is the CI field itself (B8 ... BD), see `MBusClient.changeBaudRate`.
package enum MBusWriteEncoder {
    /// The record that writes `value` for `command`.
    /// - Throws: `CommandError.notSupported` for the baud rate (not a record) or a value of the wrong shape.
    package static func record(_ command: MBusWriteCommand, value: CommandValue, key: String) throws -> MBusDataRecord {
        func bcd(_ coding: DataFieldCoding, _ vib: ValueInformationBlock, _ number: Decimal) -> MBusDataRecord {
            MBusDataRecord(dib: DataInformationBlock(coding: coding), vib: vib, value: .number(number))
        }
        switch (command, value) {
        case (.tariff, .tariff(let tariff, _)):
            return bcd(.bcd2, ValueInformationBlock(vif: 0x7C, plainText: "T"), Decimal(tariff))
        case (.primaryAddress, .integer(let address)):
            return bcd(.int8, ValueInformationBlock(vif: 0x7A), Decimal(address))
        case (.secondaryAddress, .digits(let digits)):
            guard digits.count == 8, let number = Int(digits) else { break }
            return bcd(.bcd8, ValueInformationBlock(vif: 0x79), Decimal(number))
        case (.combinationCode, _):
            guard let code = value.decimalValue else { break }
            return bcd(.bcd2, .fd(0x3A), code)
        case (.s0Rate, _):
            guard let rate = value.decimalValue else { break }
            return bcd(.bcd8, .fd(0x3A), rate * 100)
        case (.resettableEnergy, _):
            return bcd(.bcd8, ValueInformationBlock(vif: 0x04), 0)
        case (.powerDownCounter, _):
            return bcd(.bcd4, .fd(0x60), 0)
        default:
            break
        }
        throw CommandError.notSupported(key: key, protocolName: "M-Bus (value \(value))")
    }

    /// The CI 51 data bytes for `command`.
    package static func data(_ command: MBusWriteCommand, value: CommandValue, key: String) throws -> [UInt8] {
        let record = try record(command, value: value, key: key)
        do {
            return try VariableDataEncoder.encode(record)
        } catch {
            throw CommandError.notSupported(key: key, protocolName: "M-Bus (\(error))")
        }
    }
}
