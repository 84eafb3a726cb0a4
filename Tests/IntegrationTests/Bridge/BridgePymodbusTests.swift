import Bridge
import Foundation
import PRO380
import SerialIO
import TestSupport
import Testing

/// The bridge against pymodbus serving the PRO380 map (Tests/Peers/pymodbus_pro380.py): a meter that was not
/// written here, with its PRO1-only refusals and a small request-size limit, over TCP and on a pseudo-terminal.
@Suite(.serialized, .enabled(if: TestEnvironment.hasPythonPeers, "needs scripts/setup.sh --with-test-peers"))
struct BridgePymodbusTests {
    /// Values the peer serves (exact singles), as the bridge must publish them.
    static let expected: [String: String] = [
        "serial_number": "\"13070042\"", "voltage_l1": "231.25", "voltage_l2": "230.5", "frequency": "49.98",
        "current_l1": "5.25", "forward_active_energy_total": "16048.14", "reverse_active_energy_total": "10.5",
        "combination_code": "10", "lcd_cycle_time": "10", "s0_output_rate": "1000", "power_down_counter": "3",
        "parity": "\"even\"", "tariff": "1", "resettable_day_energy": "12.5", "software_version": "1.18",
    ]

    /// Checks every key's unit and the known values of the peer's meter.
    func expectPeerValues(_ harness: BridgeHarness, sourceLocation: SourceLocation = #_sourceLocation) async {
        await eventually("every key", timeout: .seconds(12), sourceLocation: sourceLocation) {
            pro380ModbusKeys.allSatisfy { harness.log.last(harness.topic("main", $0)) != nil }
        }
        for key in pro380ModbusKeys {
            guard let reading = harness.log.last(harness.topic("main", key)).flatMap(PublishedReading.init) else {
                continue
            }
            #expect(reading.unit == RegisterTable.pro380[key]!.unit, "\(key)", sourceLocation: sourceLocation)
            if let value = Self.expected[key] {
                #expect(reading.valueText == value, "\(key)", sourceLocation: sourceLocation)
            }
        }
        for key in ["voltage", "current", "error_code"] {
            #expect(harness.log.on(harness.topic("main", key)).isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func pymodbusOverTCPWithALimitOf40Registers() async throws {
        try await BridgeHarness.run { harness in
            let port = TestEnvironment.freeLoopbackPort()
            let peer = try await PythonPeer(
                script: "pymodbus_pro380.py",
                arguments: ["--tcp", "\(port)", "--max-registers", "40"]
            )
            harness.onFinish { await peer.stop() }
            let tap = try harness.tap(port)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            harness.startBridge(
                harness.configuration(buses: [
                    testBus(
                        "gateway",
                        link: link,
                        meters: [("main", 1)],
                        timeout: .seconds(1),
                        allowCommands: ["tariff", "s0_output_rate"]
                    )
                ])
            )
            await expectPeerValues(harness)
            let lastReads = tap.requests.filter { $0.function == 3 }.suffix(6)
            #expect(lastReads.allSatisfy { $0.count <= 40 }, "the limit learnt: \(lastReads)")

            let switched = try await harness.command("main", "tariff", "2")
            #expect(switched.ok, "\(switched.text)")
            #expect(tap.writes.last.map { $0.unit == 1 && $0.pdu == pdu("06 6048 0002") } == true, "\(tap.writes)")
            let unsaved = try await harness.command("main", "tariff", #"{"value": 1, "persist": false, "id": "p"}"#)
            #expect(unsaved.ok && unsaved.value as? Int == 1, "\(unsaved.text)")
            #expect(tap.writes.last?.pdu == pdu("06 6048 000B"))
            let rate = try await harness.command("main", "s0_output_rate", "10")
            #expect(rate.ok, "\(rate.text)")
            #expect(tap.writes.last?.pdu == pdu("10 400D 0002 04 41200000"))
            let refused = try await harness.command("main", "tariff", "3")
            #expect(!refused.ok)
            #expect(tap.writes.count == 3)
        }
    }

    @Test func pymodbusOnAPseudoTerminal() async throws {
        try await BridgeHarness.run { harness in
            let pair = try await SocatPseudoTerminals.start()
            harness.onFinish { await pair.stop() }
            let peer = try await PythonPeer(script: "pymodbus_pro380.py", arguments: ["--serial", pair.paths.1])
            harness.onFinish { await peer.stop() }
            let link = BusLink.modbusRTU(device: pair.paths.0, settings: LineSettings(baudRate: 9600, parity: .none))
            harness.startBridge(
                harness.configuration(buses: [
                    testBus("basement", link: link, meters: [("main", 1)], timeout: .seconds(1))
                ])
            )
            await expectPeerValues(harness)
            let switched = try await harness.command("main", "tariff", "2")
            #expect(switched.ok, "\(switched.text)")
            await eventually("tariff 2 published") {
                harness.log.last(harness.topic("main", "tariff")).flatMap(PublishedReading.init)?.valueText == "2"
            }
        }
    }
}
