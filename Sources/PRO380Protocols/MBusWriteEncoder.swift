import Foundation
package import MBus
package import PRO380

/// The data record of each PRO380-Mb SND_UD write (CI 51; manual A2.2 "Write"), both ways: the bridge encodes
/// commands with it and the simulator decodes them with it. Pure.
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
    /// How one write command's record is built: its data field, its VIF (and VIFE or plain text), the factor
    /// between the value and the number in the record, and whether the value is ignored (a reset writes 0).
    struct Layout: Sendable {
        var coding: DataFieldCoding
        var vib: ValueInformationBlock
        var factor: Decimal = 1
        var reset = false

        /// DIF and VIF bytes, to recognise a received record.
        var header: [UInt8] { DataInformationBlock(coding: coding).encoded + vib.encoded }
    }

    /// The one table of the PRO380-Mb write records (the baud rate is a CI field, not a record).
    static let layouts: [MBusWriteCommand: Layout] = [
        .tariff: Layout(coding: .bcd2, vib: ValueInformationBlock(vif: 0x7C, plainText: "T")),
        .primaryAddress: Layout(coding: .int8, vib: ValueInformationBlock(vif: 0x7A)),
        .secondaryAddress: Layout(coding: .bcd8, vib: ValueInformationBlock(vif: 0x79)),
        .combinationCode: Layout(coding: .bcd2, vib: .fd(0x3A)),
        .s0Rate: Layout(coding: .bcd8, vib: .fd(0x3A), factor: 100),
        .resettableEnergy: Layout(coding: .bcd8, vib: ValueInformationBlock(vif: 0x04), reset: true),
        .powerDownCounter: Layout(coding: .bcd4, vib: .fd(0x60), reset: true),
    ]

    /// The record that writes `value` for `command`.
    /// - Throws: `CommandError.notSupported` for the baud rate (not a record) or a value of the wrong shape.
    package static func record(_ command: MBusWriteCommand, value: CommandValue, key: String) throws -> MBusDataRecord {
        guard let layout = layouts[command], let number = number(value, layout) else {
            throw CommandError.notSupported(key: key, protocolName: "M-Bus (value \(value))")
        }
        return MBusDataRecord(
            dib: DataInformationBlock(coding: layout.coding),
            vib: layout.vib,
            value: .number(number * layout.factor)
        )
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

    /// What a received write record asks for: the table key and the value in the published form; `nil` for a
    /// record no PRO380 write uses.
    package static func decode(
        _ record: MBusDataRecord,
        table: RegisterTable = .pro380
    ) -> (key: String, value: MeterValue)? {
        guard let number = record.value.number else { return nil }
        let header = DataInformationBlock(coding: record.dib.coding).encoded + record.vib.encoded
        guard let (command, layout) = layouts.first(where: { $0.value.header == header }),
            let key = table.definitions.first(where: { $0.write?.mbus == command })?.key
        else { return nil }
        if layout.reset { return (key, .integer(0)) }
        let published = number / layout.factor
        if command == .secondaryAddress {
            return (key, .text(String(format: "%08d", NSDecimalNumber(decimal: published).intValue)))
        }
        if layout.factor != 1 { return (key, .decimal(published)) }
        return (key, .integer(NSDecimalNumber(decimal: published).intValue))
    }

    /// The number a command value puts in the record, before the factor.
    private static func number(_ value: CommandValue, _ layout: Layout) -> Decimal? {
        if layout.reset { return 0 }
        switch value {
        case .tariff(let tariff, _): return Decimal(tariff)
        case .digits(let digits):
            guard digits.count == 8, let number = Int(digits) else { return nil }
            return Decimal(number)
        default: return value.decimalValue
        }
    }
}
