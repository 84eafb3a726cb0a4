import Foundation
import Testing

@testable import MBus

/// Application layer: the manual's example response (appendix 2, A2.2), EN 13757-3 field cases.
@Suite struct VariableDataTests {
    /// The manual's nine records: (DIF function field, tariff, 4 BCD bytes as printed, value in kWh as printed).
    static let manualRecords: [(UInt8, UInt32, String, String)] = [
        (0, 0, "14 48 60 01", "16048.14"), (0, 1, "23 80 35 00", "3580.23"), (0, 2, "91 67 24 01", "12467.91"),
        (1, 0, "46 13 69 00", "6913.46"), (1, 1, "56 34 12 00", "1234.56"), (1, 2, "90 78 56 00", "5678.9"),
        (2, 0, "68 34 91 00", "9134.68"), (2, 1, "67 45 23 00", "2345.67"), (2, 2, "01 89 67 00", "6789.01"),
    ]

    static let manualResponse = """
        68 4B 4B 68 08 00 72 00 00 00 00 CD 25 01 02 02 00 00 00 \
        0C 04 14 48 60 01 8C 10 04 23 80 35 00 8C 20 04 91 67 24 01 \
        1C 04 46 13 69 00 9C 10 04 56 34 12 00 9C 20 04 90 78 56 00 \
        2C 04 68 34 91 00 AC 10 04 67 45 23 00 AC 20 04 01 89 67 00 7C 16
        """

    static var manualStructure: VariableDataStructure {
        VariableDataStructure(
            header: .long(
                FixedDataHeader(
                    address: try! SecondaryAddress(
                        identification: "00000000",
                        manufacturer: .inepro,
                        version: 0x01,
                        medium: 0x02
                    ),
                    accessNumber: 0x02
                )
            ),
            records: manualRecords.map { function, tariff, data, _ in
                MBusDataRecord(
                    dib: DataInformationBlock(coding: .bcd8, functionField: function, tariff: tariff),
                    vib: ValueInformationBlock(vif: 0x04),
                    value: .number(Decimal(BCD.decode(bytes(data))!))
                )
            }
        )
    }

    @Test func rebuildsManualResponseByteForByte() throws {
        let data = try VariableDataEncoder.encode(Self.manualStructure)
        let frame = MBusFrameEncoder.encode(.long(control: .rspUD(), address: 0, ci: 0x72, data: data))
        #expect(
            hexString(frame) == bytes(Self.manualResponse).map { String(format: "%02X", $0) }.joined(separator: " ")
        )
        #expect(frame[1] == 0x4B && frame[frame.count - 2] == 0x7C)
    }

    @Test func decodesManualResponseToExactKilowattHours() throws {
        var decoder = MBusFrameDecoder()
        decoder.append(bytes(Self.manualResponse))
        guard case .long(let control, 0, let ci, let data)? = try decoder.decode() else {
            Issue.record("no long frame")
            return
        }
        #expect(control.isRspUD)
        let structure = try VariableDataDecoder.decode(ci: ci, data: data)
        #expect(structure == Self.manualStructure)
        guard case .long(let header) = structure.header else { return }
        #expect(header.address.manufacturer?.letters == "INM")
        for (record, expected) in zip(structure.records, Self.manualRecords) {
            #expect(record.vib.valueDescription == ValueDescription(quantity: "energy", unit: "Wh", exponent: 1))
            let kWh = record.scaledValue! / 1000
            #expect(kWh == Decimal(string: expected.3)!)
            #expect((record.dib.functionField, record.dib.tariff) == (expected.0, expected.1))
        }
    }

    @Test func manufacturerInPrintedOrderIsAnotherMaker() {
        #expect(ManufacturerCode("INM")?.rawValue == 0x25CD)
        #expect(ManufacturerCode.inepro.wireBytes == [0xCD, 0x25])
        #expect(ManufacturerCode(rawValue: 0xCD25).letters == "SIE")
    }

    static let negativeBCD: [(String, String, String)] = [
        ("0C 2B 87 11 00 F0", "-1187", "W"),
        ("0B 2D 02 00 F0", "-200", "W"),
        ("0A 2B 01 F0", "-1", "W"),
        ("09 2B F9", "-9", "W"),
        ("0E 04 00 00 00 00 00 F1", "-100000000000", "Wh"),
    ]

    @Test(arguments: negativeBCD)
    func negativeBCDUsesTheTopNibble(_ record: String, _ value: String, _ unit: String) throws {
        let structure = try VariableDataDecoder.decode(ci: 0x78, data: bytes(record))
        #expect(structure.records.first?.scaledValue == Decimal(string: value)!)
        #expect(structure.records.first?.vib.valueDescription.unit == unit)
        #expect(try VariableDataEncoder.encode(structure) == bytes(record))
    }

    @Test func invalidBCDDigitSpoilsOnlyItsRecord() throws {
        let data = bytes("0C 04 14 48 6B 01 8C 10 04 23 80 35 00")
        let structure = try VariableDataDecoder.decode(ci: 0x78, data: data)
        #expect(structure.records.count == 2)
        #expect(structure.records[0].value == .invalid(reason: "invalid BCD digit in 14 48 6B 01"))
        #expect(structure.records[0].scaledValue == nil)
        #expect(structure.records[1].scaledValue == Decimal(3_580_230))
    }

    @Test(arguments: [
        // VIFE 0x75 = E111 0nnn with nnn = 5: times 10^-1; 0x7D: times 10^3.
        ("04 AB 75 10 27 00 00", "1000", "W"),  // 10000 W x 10^-1
        ("02 AB 7D 05 00", "5000", "W"),
        ("0C FD 3A 00 00 01 00", "10000", nil),
        ("0A FD 60 34 12", "1234", nil),
        ("02 FD 48 E6 00", "23.0", "V"),  // FD 48: volts 10^-1
        ("04 13 D2 04 00 00", "1.234", "m3"),
        ("01 FD 1C 60", "96", "Bd"),
    ])
    func vifeCorrectionsChangeTheValue(_ record: String, _ value: String, _ unit: String?) throws {
        let structure = try VariableDataDecoder.decode(ci: 0x78, data: bytes(record))
        #expect(structure.records.first?.scaledValue == Decimal(string: value)!)
        #expect(structure.records.first?.vib.valueDescription.unit == unit)
        #expect(try VariableDataEncoder.encode(structure) == bytes(record))
    }

    @Test func plainTextVIFAndIntegersAndStorageNumbers() throws {
        let records = [
            MBusDataRecord(
                dib: DataInformationBlock(coding: .bcd2),
                vib: ValueInformationBlock(vif: 0x7C, plainText: "T"),
                value: .number(2)
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .int32, storageNumber: 5, tariff: 3, subunit: 1),
                vib: ValueInformationBlock(vif: 0x2B),
                value: .number(-123_456)
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .int64, functionField: 3),
                vib: ValueInformationBlock(vif: 0x03),
                value: .number(Decimal(Int64.min))
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .int16),
                vib: ValueInformationBlock(vif: 0x6C),
                value: .date(MBusDate(year: 2024, month: 11, day: 24))
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .variableLength),
                vib: ValueInformationBlock(vif: 0x7D, extensions: [0x0C]),
                value: .text("PRO380")
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .real32),
                vib: ValueInformationBlock(vif: 0x2B),
                value: .number(231.25)
            ),
        ]
        let structure = VariableDataStructure(
            ci: 0x7A,
            header: .short(accessNumber: 9, status: 0, signature: 0),
            records: records,
            manufacturerData: [1, 2, 3],
            moreRecordsFollow: true
        )
        let data = try VariableDataEncoder.encode(structure)
        #expect(Array(data[4..<9]) == bytes("09 7C 01 54 02"))
        #expect(try VariableDataDecoder.decode(ci: 0x7A, data: data) == structure)
    }

    @Test(arguments: [
        ("0C 04 14 48", "truncated"), ("8C 80 80 80 80 80 80 80 80 80 80 80 04 00", "DIFEs"),
        ("0D 04 F9", "LVAR"), ("3F", "reserved"),
    ])
    func malformedRecordsThrow(_ data: String, _ reason: String) {
        #expect(throws: MBusError.self) { try VariableDataDecoder.decode(ci: 0x78, data: bytes(data)) }
    }

    @Test func mode2HeaderIsMostSignificantByteFirst() throws {
        var structure = Self.manualStructure
        structure.ci = 0x76
        let data = try VariableDataEncoder.encode(structure)
        #expect(Array(data[4..<6]) == [0x25, 0xCD])
        #expect(Array(data[12..<18]) == bytes("0C 04 01 60 48 14"))
        #expect(try VariableDataDecoder.decode(ci: 0x76, data: data) == structure)
    }

    /// Found by the fuzzer (`mbus-variable-data`, the optimized AddressSanitizer build): idle fillers (2F) between
    /// empty records used to make a one-byte array copy that the build reported as a heap-use-after-free. The
    /// telegram decodes: its last record is the combination code (DIF 02, VIF FD 3A) 0x0201.
    @Test func fuzzCrashFillersBetweenEmptyRecords() throws {
        let telegram = bytes(
            "7A 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2F 00 00 00 00 00 00 C7 00 00 00 "
                + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 08 C3 30 01 00 00 00 04 08 C7 30 "
                + "00 00 02 FD 3A 01 02"
        )
        let structure = try VariableDataDecoder.decode(ci: telegram[0], data: Array(telegram.dropFirst()))
        let last = try #require(structure.records.last)
        #expect(last.vib == ValueInformationBlock(vif: 0xFD, extensions: [0x3A]))
        #expect(last.value == .number(513))
    }

    /// Found by the fuzzer (`mbus-variable-data`, the same run, before the filler fix above): nine fillers after a
    /// record, then a DIF FD (variable length, one DIFE) whose LVAR asks for more bytes than remain. A clear
    /// truncation error, naming the record, instead of a crash.
    @Test func fuzzCrashFillersThenOverlongVariableRecord() {
        let telegram = bytes(
            "7A 02 00 00 00 04 02 28 01 FD 2F 2F 2F 2F 2F 2F 2F 2F 2F FD 03 34 35 00 00 02 FD 3A 05 00 0F 01 "
                + "7A 02 00 00 00 04 02 28 01 FD FD 03 38 39 00 00 02 FD 3A 00 00 05 00 0F 01 02 02"
        )
        #expect(
            throws: MBusError.truncatedTelegram(
                offset: 22,
                needed: 17,
                reason: "variable data of record at byte 18"
            )
        ) {
            try VariableDataDecoder.decode(ci: telegram[0], data: Array(telegram.dropFirst()))
        }
    }

    @Test func idleFillersAnywhereBetweenRecordsAreSkipped() throws {
        let plain = try VariableDataDecoder.decode(ci: 0x7A, data: bytes("02 00 00 00 02 FD 3A 01 02"))
        let filled = try VariableDataDecoder.decode(ci: 0x7A, data: bytes("02 00 00 00 2F 2F 02 FD 3A 01 02 2F"))
        #expect(filled.records == plain.records)
        #expect(plain.records.count == 1)
    }
}
