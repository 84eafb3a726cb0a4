import Foundation
import MBus
import Simulator
import TestSupport
import Testing

/// pyMeterBus (PyPI) as the independent decoder of the telegrams the simulator sends.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers)) struct MBusPyMeterBusTests {
    typealias Harness = MBusSimulatorHarness

    @Test func pyMeterBusDecodesTheSimulatorsTelegram() async throws {
        let python = try #require(TestEnvironment.python)
        let bus = SimulatedMBusBus(meters: [try Harness.meter(serial: "13070042", primary: 0)])
        _ = bus.reply(to: .short(control: .sndNKE, address: 0), at: Harness.start)
        let bytes = try #require(bus.reply(to: .short(control: .reqUD2(fcb: true), address: 0), at: Harness.start))
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/mbus_decode.py").path
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let process = try ChildProcess(python, [script, hex])
        #expect(await process.waitForExit() == 0)
        let lines = process.lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        try #require(lines.count == 10, "\(process.lines)")
        #expect(lines[0]["manufacturer"] as? String == "INM")
        let records = lines.dropFirst().map {
            ($0["value"] as? String ?? "", $0["tariff"] as? Int ?? -1, $0["unit"] as? String ?? "")
        }
        // pyMeterBus applies VIF 04's 10 Wh: values in Wh, the manual's order (total, T1, T2, forward ..., reverse ...).
        let expected = [
            "16048140", "3580230", "12467910", "6913460", "1234560", "5678900", "9134680", "2345670", "6789010",
        ]
        #expect(records.map { Decimal(string: $0.0) } == expected.map { Decimal(string: $0) })
        #expect(records.map(\.1) == [0, 1, 2, 0, 1, 2, 0, 1, 2])
        #expect(records.allSatisfy { $0.2.contains("WH") || $0.2.lowercased().contains("wh") })
    }

    /// The simulated telegram with the manual's values and access number 2 is the manual's response byte for
    /// byte (L = 4B, checksum 7C), once the identification is the manual's zeros.
    @Test func telegramWithTheManualsHeaderIsTheManualsFrame() throws {
        var meter = try Harness.meter(serial: "00000000", primary: 0)
        meter = SimulatedMBusMeter(model: meter.model, version: 1, status: 0, accessNumber: 2)
        let bus = SimulatedMBusBus(meters: [meter])
        let bytes = try #require(bus.reply(to: .short(control: .reqUD2(fcb: false), address: 0), at: Harness.start))
        #expect(Array(bytes.prefix(7)) == [0x68, 0x4B, 0x4B, 0x68, 0x08, 0x00, 0x72])
        #expect(Array(bytes.suffix(2)) == [0x7C, 0x16])
    }
}
