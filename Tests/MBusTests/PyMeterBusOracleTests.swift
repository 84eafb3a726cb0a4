import Foundation
import TestSupport
import Testing

@testable import MBus

/// pyMeterBus (PyPI) as the independent decoder of telegrams our encoder builds: the manual's response plus
/// records beyond the PRO380's (negative BCD, 32-bit integers, storage numbers, other VIFs). pyMeterBus names the
/// function field by the standard (maximum/minimum for DIF 1C/2C); only the number is compared, the PRO380 table
/// gives it its meaning.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs scripts/setup.sh --with-test-peers"))
struct PyMeterBusOracleTests {
    struct OracleRecord: Decodable {
        let value: String
        let storage: UInt64
        let tariff: UInt32
        let function: String
    }

    func decodeWithPyMeterBus(_ frame: [UInt8]) async throws -> (String, [OracleRecord]) {
        let python = try #require(TestEnvironment.python)
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/mbus_decode.py").path
        let hex = frame.map { String(format: "%02X", $0) }.joined()
        let (output, status) = try await BlockingCall.run { () throws -> (Data, Int32) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, hex]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (output, process.terminationStatus)
        }
        #expect(status == 0)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map { Data($0.utf8) }
        let header = try JSONSerialization.jsonObject(with: lines[0]) as? [String: Any]
        let records = try lines.dropFirst().map { try JSONDecoder().decode(OracleRecord.self, from: $0) }
        return (header?["manufacturer"] as? String ?? "", records)
    }

    @Test func pyMeterBusReadsWhatWeEncode() async throws {
        var structure = VariableDataTests.manualStructure
        structure.records += [
            MBusDataRecord(
                dib: DataInformationBlock(coding: .bcd8),
                vib: ValueInformationBlock(vif: 0x2B),
                value: .number(-1187)
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .bcd6),
                vib: ValueInformationBlock(vif: 0x2D),
                value: .number(-2)
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .int32, storageNumber: 3),
                vib: ValueInformationBlock(vif: 0x13),
                value: .number(-123_456)
            ),
            MBusDataRecord(
                dib: DataInformationBlock(coding: .int16, storageNumber: 1, tariff: 2),
                vib: ValueInformationBlock(vif: 0x2A),
                value: .number(31_000)
            ),
        ]
        let frame = MBusFrameEncoder.encode(
            .long(control: .rspUD(), address: 0, ci: 0x72, data: try VariableDataEncoder.encode(structure))
        )
        let (manufacturer, oracle) = try await decodeWithPyMeterBus(frame)
        #expect(manufacturer == "INM")
        try #require(oracle.count == structure.records.count)
        let functions = ["INSTANTANEOUS_VALUE", "MAXIMUM_VALUE", "MINIMUM_VALUE", "VALUE_DURING_ERROR_STATE"]
        for (ours, theirs) in zip(structure.records, oracle) {
            // pyMeterBus scales through a binary float (-123.456000000000003...): compare to 9 significant digits.
            let theirValue = try #require(Double(theirs.value))
            let ourValue = try #require(ours.scaledValue)
            #expect(abs(NSDecimalNumber(decimal: ourValue).doubleValue - theirValue) <= 1e-9 * max(1, abs(theirValue)))
            #expect(ours.dib.storageNumber == theirs.storage)
            #expect(ours.dib.tariff == theirs.tariff)
            #expect(theirs.function.hasSuffix(functions[Int(ours.dib.functionField)]))
        }
    }
}
