import Bridge
import Foundation
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// Every writable key end to end: the manual's frame on the wire, the model changed, the read-back published.
@Suite(.serialized)
struct BridgeWritableKeyTests {
    @Test func writableKeysOverModbusTCP() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration())
            let tap = try harness.tap(simulator.service.port!)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            let allowed = RegisterTable.pro380.writable.filter { $0.write?.modbus != nil }.map(\.key)
            harness.startBridge(
                harness.configuration(buses: [
                    testBus("gateway", link: link, meters: [("main", 1)], allowCommands: allowed)
                ])
            )
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }

            let writes: [(key: String, payload: String, frame: String, published: String)] = [
                ("combination_code", "10", "06 400F 000A", "10"),
                ("lcd_cycle_time", "25", "06 4010 0025", "25"),
                ("s0_output_rate", "10", "10 400D 0002 04 41200000", "10"),
                ("s0_output_rate", "0.01", "10 400D 0002 04 3C23D70A", "0.01"),
                ("resettable_day_energy", "0", "10 6049 0002 04 00000000", "0"),
                ("power_down_counter", "0", "06 4016 0000", "0"),
                ("tariff", "T2", "06 6048 0002", "2"),
            ]
            for write in writes {
                let answer = try await harness.command("main", write.key, write.payload)
                #expect(answer.ok, "\(write.key) \(write.payload): \(answer.text)")
                #expect(
                    tap.writes.last?.pdu == pdu(write.frame),
                    "\(write.key): \(String(describing: tap.writes.last))"
                )
                await eventually("\(write.key) \(write.published) published") {
                    harness.log.last(harness.topic("main", write.key)).flatMap(PublishedReading.init)?.valueText
                        == write.published
                }
            }
            let settings = try simulator.meter().settings
            #expect(
                settings.combinationCode == 10 && settings.lcdCycleTime == 25
                    && settings.s0OutputRate == Decimal(string: "0.01")
            )

            // Baud rate and parity belong to a serial line: refused on TCP, before the bus.
            let writesBefore = tap.writes.count
            for (key, payload) in [("baud_rate", "4800"), ("parity", "none")] {
                let answer = try await harness.command("main", key, payload)
                #expect(!answer.ok && answer.error.contains("serial"), "\(key): \(answer.text)")
            }
            #expect(tap.writes.count == writesBefore)

            // A new Modbus ID: the bridge follows the meter there and keeps polling it.
            let moved = try await harness.command("main", "modbus_id", "17")
            #expect(moved.ok, "\(moved.text)")
            #expect((moved.json["notice"] as? String)?.contains("address: 17") == true, "\(moved.text)")
            #expect(tap.writes.last?.pdu == pdu("06 4003 0011"))
            #expect(try #require(simulator.service.bus.meter(unit: 17)).settings.serialNumber == "13070042")
            let pollsAt17 = tap.requests.filter { $0.unit == 17 && $0.function == 3 }.count
            await eventually("polls at unit 17") {
                tap.requests.filter { $0.unit == 17 && $0.function == 3 }.count > pollsAt17 + 5
            }
            #expect(harness.log.last(harness.topic("main", "availability")) == "online")
            await eventually("modbus_id 17 published") {
                harness.log.last(harness.topic("main", "modbus_id")).flatMap(PublishedReading.init)?.valueText == "17"
            }
        }
    }

    /// Baud rate on a pseudo-terminal: refused while another meter shares the bus, done when the meter is alone.
    @Test func baudRateOnlyWhenAloneOnTheBus() async throws {
        try await BridgeHarness.run { harness in
            let shared = try harness.simulator(
                SimulatorConfiguration(endpoint: .pseudoTerminal, meters: SimulatorConfiguration.meters(count: 2))
            )
            let alone = try harness.simulator(SimulatorConfiguration(endpoint: .pseudoTerminal))
            let line = LineSettings(baudRate: 9600, parity: .none)
            let keys = ["tariff", "baud_rate", "parity"]
            harness.startBridge(
                harness.configuration(buses: [
                    testBus(
                        "shared",
                        link: .modbusRTU(device: shared.service.endpoint, settings: line),
                        meters: [("s1", 1), ("s2", 2)],
                        allowCommands: keys
                    ),
                    testBus(
                        "alone",
                        link: .modbusRTU(device: alone.service.endpoint, settings: line),
                        meters: [("a1", 1)],
                        allowCommands: keys
                    ),
                ])
            )
            await eventually("online") {
                ["s1", "s2", "a1"].allSatisfy { harness.log.last(harness.topic($0, "availability")) == "online" }
            }
            let refused = try await harness.command("s1", "baud_rate", "4800")
            #expect(!refused.ok && refused.error.contains("share"), "\(refused.text)")
            #expect(try shared.meter(1).settings.baudRate == 9600)

            let changed = try await harness.command("a1", "baud_rate", "4800")
            #expect(changed.ok, "\(changed.text)")
            #expect(try alone.meter(1).settings.baudRate == 4800)
            let parity = try await harness.command("a1", "parity", "none")
            #expect(parity.ok, "\(parity.text)")
            #expect(try alone.meter(1).settings.parity == "none")
            let tariff = try await harness.command("a1", "tariff", "2")
            #expect(tariff.ok, "the bridge still reaches the meter after the change: \(tariff.text)")
        }
    }

    /// 100 tariff commands to 20 meters on 4 buses: 100 answers, none lost, none twice, each meter at its last value.
    @Test func burstOfCommandsAcrossBuses() async throws {
        try await BridgeHarness.run(extraFilters: []) { harness in
            var buses: [BusConfiguration] = []
            var simulators: [RunningSimulator] = []
            for b in 0..<4 {
                let simulator = try harness.simulator(
                    SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 5), seed: UInt64(b))
                )
                simulators.append(simulator)
                let meters = (1...5).map { (name: "m\(b)\($0)", address: $0) }
                buses.append(testBus("bus\(b)", link: simulator.tcpLink, meters: meters, interval: .seconds(2)))
            }
            harness.startBridge(harness.configuration(buses: buses))
            let names = buses.flatMap { $0.meters.map(\.name) }
            await eventually("all online", timeout: .seconds(10)) {
                names.allSatisfy { harness.log.last(harness.topic($0, "availability")) == "online" }
            }
            var last: [String: Int] = [:]
            for n in 0..<100 {
                let meter = names[n % 20]
                let tariff = 1 + (n / 20) % 2
                last[meter] = tariff
                try await harness.log.publish(
                    "pro380/\(meter)/tariff/set",
                    #"{"value": \#(tariff), "id": "burst-\#(n)"}"#
                )
            }
            let answers: () -> [CommandReply] = {
                harness.log.all.filter { $0.topic.hasSuffix("/tariff/set/result") }.compactMap {
                    CommandReply($0.payload)
                }
            }
            await eventually("100 answers", timeout: .seconds(12)) { answers().count >= 100 }
            try await Task.sleep(for: .milliseconds(300))
            let ids = answers().compactMap(\.id)
            #expect(ids.count == 100 && Set(ids) == Set((0..<100).map { "burst-\($0)" }), "\(ids.count) answers")
            let refused = answers().filter { !$0.ok }.map(\.text)
            #expect(refused.isEmpty, "\(refused)")
            for (b, simulator) in simulators.enumerated() {
                for unit in 1...5 {
                    #expect(try simulator.meter(unit).settings.activeTariff == last["m\(b)\(unit)"])
                }
            }
        }
    }
}
