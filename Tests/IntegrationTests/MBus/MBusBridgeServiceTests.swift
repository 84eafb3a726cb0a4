import Bridge
import Foundation
import MBus
import PRO380
import Simulator
import TestSupport
import Testing

/// The daemon end to end: `BridgeService` with an `mbus_serial` bus on a real pseudo-terminal served by the
/// simulator, publishing to a real mosquitto.
@Suite struct MBusBridgeServiceTests {
    typealias Harness = MBusSimulatorHarness

    @Test(arguments: [MBusSimulatorServer.Endpoint.pseudoTerminal, .tcp(host: "127.0.0.1", port: 0)])
    func publishesTheManualsEnergyValuesToTheBroker(_ endpoint: MBusSimulatorServer.Endpoint) async throws {
        let broker = try await MosquittoBroker()
        defer { Task { await broker.stopAndRemove() } }
        let keys = ["active_energy_total", "forward_active_energy_t1", "reverse_active_energy_t2", "serial_number"]
        let subscriber = try await MQTTTestSubscriber(
            port: broker.port, topics: keys.map { "pro380/pv/\($0)" }, count: keys.count, timeout: 20)
        try await Harness.with([try Harness.meter(primary: 3)], on: endpoint) { _, server in
            var settings = MQTTSettings()
            settings.port = broker.port
            let bus = Harness.busConfiguration(server, meters: [MeterConfiguration(name: "pv", address: 3)])
            let service = BridgeService(
                configuration: BridgeConfiguration(mqtt: settings, buses: [bus]), logger: Harness.logger)
            let running = Task { try await service.run() }
            let messages = await subscriber.messages()
            running.cancel()
            _ = try? await running.value
            let payloads = Dictionary(messages.map { ($0.topic, $0.payload) }, uniquingKeysWith: { a, _ in a })
            #expect(payloads["pro380/pv/active_energy_total"]?.hasPrefix("{\"value\": 16048.14, \"unit\": \"kWh\"") == true)
            #expect(payloads["pro380/pv/forward_active_energy_t1"]?.hasPrefix("{\"value\": 1234.56, \"unit\": \"kWh\"") == true)
            #expect(payloads["pro380/pv/reverse_active_energy_t2"]?.hasPrefix("{\"value\": 6789.01, \"unit\": \"kWh\"") == true)
            #expect(payloads["pro380/pv/serial_number"]?.hasPrefix("{\"value\": \"13070042\", \"unit\": null") == true)
        }
    }
}
