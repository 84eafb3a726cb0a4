import Bridge
import Foundation
import MBus
import PRO380
import PRO380Protocols
import Testing

/// The pure parts of the M-Bus driver: record mapping and write encoding, against the manual's bytes.
@Suite struct MBusMappingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func header(status: UInt8 = 0) throws -> DataHeader {
        .long(
            FixedDataHeader(
                address: try SecondaryAddress(identification: "13070042", manufacturer: .inepro, version: 1, medium: 2),
                accessNumber: 2,
                status: status
            )
        )
    }

    static func record(_ dif: DataInformationBlock, _ vib: ValueInformationBlock, _ value: MBusValue) -> MBusDataRecord
    {
        MBusDataRecord(dib: dif, vib: vib, value: value)
    }

    @Test func knownRecordsUseTheTableUnknownOnesADescriptiveKey() throws {
        let energy = ValueInformationBlock(vif: 0x04)
        let reading = MBusReading(
            address: .primary(0),
            header: try Self.header(status: 2),
            records: [
                Self.record(DataInformationBlock(coding: .bcd8, functionField: 0), energy, .number(1_604_814)),
                Self.record(DataInformationBlock(coding: .bcd8, functionField: 2, tariff: 2), energy, .number(678_901)),
                Self.record(
                    DataInformationBlock(coding: .bcd8, functionField: 1, storageNumber: 1),
                    energy,
                    .number(5)
                ),
                Self.record(DataInformationBlock(coding: .bcd4), .fd(0x48), .number(2312)),
                Self.record(
                    DataInformationBlock(coding: .bcd8, functionField: 1, tariff: 1),
                    energy,
                    .invalid(reason: "digit A")
                ),
            ]
        )
        let result = MBusRecordMapper().map(reading, groups: [.energy, .identity], time: Self.now)
        let values = Dictionary(result.readings.map { ($0.key, ($0.value, $0.unit)) }, uniquingKeysWith: { a, _ in a })
        #expect(values["active_energy_total"]?.0 == .decimal(Decimal(string: "16048.14")!))
        #expect(values["active_energy_total"]?.1 == "kWh")
        #expect(values["reverse_active_energy_t2"]?.0 == .decimal(Decimal(string: "6789.01")!))
        #expect(values["mbus_energy_f1_s1_t0"]?.0 == .decimal(Decimal(string: "0.05")!))
        #expect(values["mbus_energy_f1_s1_t0"]?.1 == "kWh")
        #expect(values["mbus_voltage_f0_s0_t0"]?.0 == .decimal(Decimal(string: "231.2")!))
        #expect(values["mbus_voltage_f0_s0_t0"]?.1 == "V")
        #expect(values["serial_number"]?.0 == .text("13070042"))
        #expect(values["software_version"]?.0 == .integer(1))
        #expect(values["error_code"]?.0 == .integer(2))
        #expect(values["forward_active_energy_t1"] == nil)
        #expect(result.failures.map(\.keys) == [["forward_active_energy_t1"]])
        let energyOnly = MBusRecordMapper().map(reading, groups: [.energy], time: Self.now)
        #expect(!energyOnly.readings.contains { $0.key == "serial_number" })
    }

    /// The write frames of the manual's table (A2.2 "Write"), address 01, byte for byte up to the checksum.
    @Test(arguments: [
        ("tariff", CommandValue.tariff(2, persist: true), "68 08 08 68 53 01 51 09 7C 01 54 02"),
        ("mbus_primary_address", .integer(1), "68 06 06 68 53 01 51 01 7A 01"),
        ("mbus_secondary_address", .digits("15012345"), "68 09 09 68 53 01 51 0C 79 45 23 01 15"),
        ("combination_code", .integer(5), "68 07 07 68 53 01 51 09 FD 3A 05"),
        ("s0_output_rate", .decimal(100), "68 0A 0A 68 53 01 51 0C FD 3A 00 00 01 00"),
        ("resettable_day_energy", .integer(0), "68 09 09 68 53 01 51 0C 04 00 00 00 00"),
        ("power_down_counter", .integer(0), "68 08 08 68 53 01 51 0A FD 60 00 00"),
    ])
    func writeRecordsAreTheManualsFrames(_ key: String, _ value: CommandValue, _ manual: String) throws {
        let command = try #require(RegisterTable.pro380[key]?.write?.mbus)
        let data = try MBusWriteEncoder.data(command, value: value, key: key)
        let frame = MBusFrameEncoder.encode(.long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: data))
        let expected = manual.split(separator: " ").map { UInt8($0, radix: 16)! }
        #expect(Array(frame.dropLast(2)) == expected)
    }

    @Test func combinationCodeTenIsBCD() throws {
        #expect(
            try MBusWriteEncoder.data(.combinationCode, value: .integer(10), key: "combination_code") == [
                0x09, 0xFD, 0x3A, 0x10,
            ]
        )
        #expect(
            try MBusWriteEncoder.data(.s0Rate, value: .decimal(Decimal(string: "0.01")!), key: "s0_output_rate") == [
                0x0C, 0xFD, 0x3A, 0x01, 0, 0, 0,
            ]
        )
    }
}
