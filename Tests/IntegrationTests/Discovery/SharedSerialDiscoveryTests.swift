import Bridge
import Foundation
import Logging
import MQTT
import SerialIO
import Simulator
import TestSupport
import Testing

/// One simulated meter configured twice, over Modbus RTU and over M-Bus, as `simulate --mbus` suggests: the bridge
/// warns, and Home Assistant gets two devices whose entities do not overwrite each other.
@Suite(.serialized) struct SharedSerialDiscoveryTests {
    @Test func oneMeterConfiguredTwiceWarnsAndGetsDistinctUniqueIds() async throws {
        let broker = try await MosquittoBroker()
        let simulator = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .pseudoTerminal, mbusPort: .pseudoTerminal),
            logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let serving = Task { try await simulator.run() }
        let view = try await RetainedView(port: broker.port)
        var configuration = BridgeConfiguration(diagnosticsInterval: .seconds(60))
        configuration.mqtt.port = broker.port
        configuration.mqtt.clientID = "bridge-test"
        let every = MeterConfiguration.defaultIntervals(.seconds(1))
        configuration.buses = [
            BusConfiguration(
                name: "rtu",
                link: .modbusRTU(device: simulator.endpoint, settings: LineSettings(baudRate: 9600, parity: .none)),
                meters: [MeterConfiguration(name: "main", address: 1, intervals: every)]
            ),
            BusConfiguration(
                name: "mbus",
                link: .mbusSerial(device: simulator.mbus!.endpoint, settings: LineSettings(baudRate: 2400)),
                meters: [MeterConfiguration(name: "main-mbus", address: 0, intervals: every)]
            ),
        ]
        let log = LogCapture()
        let service = BridgeService(configuration: configuration, logger: log.logger(level: .info))
        let bridge = Task { try await service.run() }

        let key = "forward_active_energy_total"
        func configs(_ meter: String) -> [[String: Any]] {
            view.configs.values.filter { $0["state_topic"] as? String == "pro380/\(meter)/\(key)" }
        }
        let both = try await view.wait(20) { _ in configs("main").count == 1 && configs("main-mbus").count == 1 }
        #expect(both, "\(view.configs.keys.sorted().filter { $0.contains(key) })")
        if both {
            let ids = Set((configs("main") + configs("main-mbus")).compactMap { $0["unique_id"] as? String })
            #expect(ids == ["pro380_13070042_\(key)", "pro380_13070042_main-mbus_\(key)"])
        }
        let warned = log.messages(atLeast: .warning).filter { $0.contains("read the same serial number 13070042") }
        #expect(warned.count == 1, "\(log.messages(atLeast: .warning))")

        bridge.cancel()
        _ = await bridge.result
        await view.close()
        serving.cancel()
        _ = await serving.result
        await broker.stopAndRemove()
    }
}
