import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// Issue 2 end to end: simulator -> Modbus TCP or RTU on a pseudo-terminal -> bridge -> mosquitto -> subscriber.
@Suite(.serialized)
struct BridgePollingTests {
    /// A full poll over Modbus TCP publishes every key with the model's value and unit, retained; the PRO1-only
    /// refusals are learnt once (never asked again), and a steady poll costs the fewest requests the limit allows.
    @Test(arguments: [(125, 5), (40, 6)])
    func modbusTCPPublishesEveryKey(maxRegisters: Int, requestsPerPoll: Int) async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration())
            let tap = try harness.tap(simulator.service.port!)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            harness.startBridge(
                harness.configuration(buses: [
                    testBus("gateway", link: link, meters: [("main", 1)], maxRegisters: maxRegisters)
                ])
            )

            await expectEveryKey(harness, meter: "main", model: try simulator.meter(), at: simulator.clock.now)
            await eventually("eight polls") { polls(tap.requests).count >= 8 }
            for key in ["voltage", "current", "error_code"] {
                #expect(harness.log.on(harness.topic("main", key)).isEmpty)
            }
            #expect(harness.log.last(harness.topic("main", "availability")) == "online")
            try await expectRetained(harness, meter: "main", keys: pro380ModbusKeys)

            let cycles = polls(tap.requests)
            let steady = cycles[cycles.count - 2]
            #expect(steady.count == requestsPerPoll, "\(steady)")
            for frame in steady {
                let registers = Int(frame.address)..<Int(frame.address) + frame.count
                #expect(frame.count <= maxRegisters)
                #expect(!pro1OnlyRegisters.contains(where: registers.contains), "asked again: \(frame)")
            }
            let bytes = steady.reduce(0) { $0 + $1.bytes.count + 9 + 2 * $1.count }
            print(
                "full poll at max_registers \(maxRegisters): \(steady.count) requests, \(bytes) bytes on the wire (Modbus TCP); \(tap.requests.count) requests in all over \(cycles.count) polls, learning included"
            )
        }
    }

    /// A meter that answers the PRO1-only rows too: a full poll is exactly the three area reads.
    @Test func threeRequestsWhenTheMeterAnswersEverything() async throws {
        try await BridgeHarness.run { harness in
            var settings = SimulatedMeterSettings()
            settings.pro1OnlyKeys = ["voltage", "current", "error_code"]
            let simulator = try harness.simulator(SimulatorConfiguration(meters: [settings]))
            let tap = try harness.tap(simulator.service.port!)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            harness.startBridge(harness.configuration(buses: [testBus("gateway", link: link, meters: [("main", 1)])]))

            let keys = RegisterTable.pro380.modbusReadable.map(\.key)
            await expectEveryKey(
                harness,
                meter: "main",
                model: try simulator.meter(),
                at: simulator.clock.now,
                keys: keys
            )
            await eventually("three polls") { polls(tap.requests).count >= 3 }
            for cycle in polls(tap.requests).prefix(2) {
                #expect(
                    cycle.map { String(format: "%04X+%d", $0.address, $0.count) } == ["4000+32", "5000+50", "6000+75"]
                )
            }
        }
    }

    /// A meter that refuses large reads (exception 02 or 03 above its limit) still gives every value.
    @Test(arguments: [ExceptionCode.illegalDataValue, .illegalDataAddress])
    func smallRequestLimitOnTheMeter(exception: ExceptionCode) async throws {
        try await BridgeHarness.run { harness in
            let faults = ModbusFaults(maximumRegistersPerRead: 16, tooManyRegistersException: exception)
            let simulator = try harness.simulator(SimulatorConfiguration(faults: faults))
            let tap = try harness.tap(simulator.service.port!)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            harness.startBridge(harness.configuration(buses: [testBus("gateway", link: link, meters: [("main", 1)])]))

            await expectEveryKey(harness, meter: "main", model: try simulator.meter(), at: simulator.clock.now)
            await eventually("eight polls") { polls(tap.requests).count >= 8 }
            let cycles = polls(tap.requests)
            let steady = cycles[cycles.count - 2]
            #expect(steady.allSatisfy { $0.count <= 16 }, "\(steady)")
            let bytes = steady.reduce(0) { $0 + $1.bytes.count + 9 + 2 * $1.count }
            print(
                "full poll at a meter limit of 16 registers (exception \(exception)): \(steady.count) requests, \(bytes) bytes (Modbus TCP)"
            )
        }
    }

    /// Modbus RTU on a real pseudo-terminal, config from YAML: every key, the right values, availability online;
    /// the outbox (no `outbox:` section) is the default file in the state folder, a temporary one here.
    @Test func modbusRTUOnAPseudoTerminal() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("rtu-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration(endpoint: .pseudoTerminal))
            let yaml = """
                mqtt: {port: \(harness.broker.port), client_id: \(harness.clientID)}
                diagnostics_interval: 500ms
                buses:
                  - name: basement
                    modbus_rtu: {device: \(simulator.service.endpoint), baud: 9600, parity: none}
                    timeout: 500ms
                    meters:
                      - {name: main, address: 1, interval: 300ms, groups: {identity: 300ms}}
                """
            let configuration = try BridgeConfiguration.parse(
                yaml: yaml,
                file: "rtu.yaml",
                environment: ["STATE_DIRECTORY": state.path]
            )
            let outbox = state.appendingPathComponent("outbox-\(harness.clientID).sqlite").path
            #expect(configuration.outbox.storage == .file(outbox))
            harness.startBridge(configuration)
            await expectEveryKey(harness, meter: "main", model: try simulator.meter(), at: simulator.clock.now)
            try await expectRetained(harness, meter: "main", keys: pro380ModbusKeys)
            await eventually("meter diagnostics") { harness.log.last(harness.topic("main", "diagnostics")) != nil }
            await eventually("bridge diagnostics") {
                harness.log.last("pro380/bridge/\(harness.clientID)/diagnostics")?.contains("\"basement\"") == true
            }
            #expect(harness.log.last("pro380/bridge/\(harness.clientID)/state") == "online")
            #expect(FileManager.default.fileExists(atPath: outbox))
        }
    }
}
