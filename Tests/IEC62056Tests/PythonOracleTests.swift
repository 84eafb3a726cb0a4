import Foundation
import IEC62056
import TestSupport
import Testing

/// Cross-checks against the PyPI package iec62056-21 (an independent implementation) through
/// `Tests/Peers/iec_telegram.py`.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs the test-peer venv: scripts/setup.sh --with-test-peers"))
struct PythonOracleTests {
    /// Runs the oracle with `command`, feeding `input` on stdin; returns stdout and the exit status.
    func oracle(_ command: String, input: String) async throws -> (output: String, status: Int32) {
        let python = try #require(TestEnvironment.python, "test-peer venv missing")
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/iec_telegram.py").path
        return try await BlockingCall.run { () throws -> (output: String, status: Int32) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, command]
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            let output = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                process.terminationStatus
            )
        }
    }

    static let sets = [
        DataSet(address: "0.0.0", value: "13070042"), DataSet(address: "1.8.1", value: "000123.45", unit: "kWh"),
        DataSet(address: "1-0:2.8.2*255", value: "0.01", unit: "kWh"),
        DataSet(address: "14.7.0", value: "49.98", unit: "Hz"),
        DataSet(address: "36.7.0", value: "-1.0125", unit: "kW"), DataSet(address: "96.1.3", value: "text value"),
    ]

    @Test func encodesTheSameBytesAsTheOracle() async throws {
        let lines = Self.sets.map { set in
            [[set.address, set.values[0].value, set.values[0].unit.map { "\"\($0)\"" } ?? "null"]]
        }
        let json =
            "["
            + lines.map { line in
                "[[\"\(line[0][0])\", \"\(line[0][1])\", \(line[0][2])]]"
            }.joined(separator: ",") + "]"
        let (output, status) = try await oracle("encode", input: json)
        #expect(status == 0)
        let ours = IEC62056Encoder.encode(DataMessage(dataSets: Self.sets))
        #expect(output == ours.map { String(format: "%02x", $0) }.joined())
        #expect(try Telegrams.decodeAll([Telegrams.hex(output)]) == [DataMessage(dataSets: Self.sets)])
    }

    @Test func theOracleDecodesOurEncodingAndRejectsAWrongBCC() async throws {
        var ours = IEC62056Encoder.encode(DataMessage(dataSets: Self.sets))
        let (output, status) = try await oracle("decode", input: ours.map { String(format: "%02x", $0) }.joined())
        #expect(status == 0)
        let decoded = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Any]]
        #expect(decoded?.map { $0[0] as? String } == Self.sets.map(\.address))
        #expect(decoded?.map { $0[1] as? String } == Self.sets.map(\.values[0].value))
        ours[ours.count - 1] ^= 0x01
        #expect(try await oracle("decode", input: ours.map { String(format: "%02x", $0) }.joined()).status == 1)
    }
}
