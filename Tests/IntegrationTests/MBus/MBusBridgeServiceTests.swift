import Bridge
import Foundation
import MBus
import MQTT
import PRO380
import Simulator
import Synchronization
import TestSupport
import Testing

/// The daemon end to end: `BridgeService` with an M-Bus bus (on a real pseudo-terminal, and over loopback TCP)
/// served by the simulator, publishing to a real mosquitto; the project's own MQTT client reads the retained
/// values back.
@Suite struct MBusBridgeServiceTests {
    typealias Harness = MBusSimulatorHarness

    static let expected = [
        "pro380/pv/active_energy_total": "{\"value\": 16048.14, \"unit\": \"kWh\"",
        "pro380/pv/forward_active_energy_t1": "{\"value\": 1234.56, \"unit\": \"kWh\"",
        "pro380/pv/reverse_active_energy_t2": "{\"value\": 6789.01, \"unit\": \"kWh\"",
        "pro380/pv/serial_number": "{\"value\": \"13070042\", \"unit\": null",
        "pro380/pv/availability": "online",
    ]

    @Test(arguments: [MBusSimulatorServer.Endpoint.pseudoTerminal, .tcp(host: "127.0.0.1", port: 0)])
    func publishesTheManualsEnergyValuesToTheBroker(_ endpoint: MBusSimulatorServer.Endpoint) async throws {
        let broker = try await MosquittoBroker()
        let payloads: [String: String]
        do {
            payloads = try await Harness.with([try Harness.meter(primary: 3)], on: endpoint) { _, server in
                var settings = MQTTSettings()
                settings.port = broker.port
                let bus = Harness.busConfiguration(server, meters: [MeterConfiguration(name: "pv", address: 3)])
                let service = BridgeService(
                    configuration: BridgeConfiguration(mqtt: settings, buses: [bus]),
                    logger: Harness.logger
                )
                let running = Task { try await service.run() }
                let payloads = try await Self.retained(port: broker.port, topics: Set(Self.expected.keys))
                running.cancel()
                _ = try? await running.value
                return payloads
            }
        } catch {
            await broker.stopAndRemove()
            throw error
        }
        await broker.stopAndRemove()
        for (topic, prefix) in Self.expected {
            #expect(payloads[topic]?.hasPrefix(prefix) == true, "\(topic): \(payloads[topic] ?? "nothing")")
        }
    }

    /// Subscribes to `pro380/pv/#` until every topic of `topics` arrived (at most 20 s).
    static func retained(port: Int, topics: Set<String>) async throws -> [String: String] {
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(port: port, clientID: "mbus-test-reader"),
            logger: Harness.logger
        )
        let stream = client.messages()
        try await client.connectAndSubscribe(["pro380/pv/#"])
        let box = Mutex<[String: String]>([:])
        let consumer = Task {
            for await message in stream {
                box.withLock { $0[message.topic] = String(decoding: message.payload, as: UTF8.self) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while !topics.isSubset(of: box.withLock({ Set($0.keys) })), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        consumer.cancel()
        await consumer.value
        await client.shutdown()
        return box.withLock { $0 }
    }
}
