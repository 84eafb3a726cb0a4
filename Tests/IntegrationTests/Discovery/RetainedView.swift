import Bridge
import Foundation
import Logging
import MQTT
import SerialIO
import Synchronization
import TestSupport

/// What a fresh subscriber (Home Assistant) sees on the broker: the latest payload of every topic under the given
/// filters, with empty retained payloads removing the topic, kept up to date by our MQTT client.
final class RetainedView: Sendable {
    let client: MQTTClient
    private final class Store: Sendable {
        let topics = Mutex<[String: String]>([:])
    }
    private let store = Store()
    private let reader: Task<Void, Never>

    init(port: Int, filters: [String] = ["homeassistant/#", "pro380/#"]) async throws {
        var configuration = MQTTClientConfiguration(clientID: "ha-view-\(UUID().uuidString.prefix(8))")
        configuration.port = port
        client = try MQTTClient(configuration: configuration, logger: Logger(label: "view"))
        let messages = client.messages()
        let store = self.store
        reader = Task {
            for await message in messages {
                store.topics.withLock { $0[message.topic] = message.payload.isEmpty ? nil : message.payloadString }
            }
        }
        try await client.connectAndSubscribe(filters)
    }

    var topics: [String: String] { store.topics.withLock { $0 } }

    /// Waits until `condition` holds for the view (checked every 50 ms, at most `seconds`).
    func wait(_ seconds: Int = 10, until condition: ([String: String]) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition(topics) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition(topics)
    }

    func publish(_ topic: String, _ payload: String, retain: Bool = false) async throws {
        try await client.publish(MQTTMessageDraft(topic: topic, payload: payload, qos: .atLeastOnce, retain: retain))
    }

    func close() async {
        await client.shutdown()
        reader.cancel()
    }

    /// The discovery configs (topic → parsed payload) under `homeassistant/`.
    var configs: [String: [String: Any]] {
        topics.filter { $0.key.hasPrefix("homeassistant/") && $0.key.hasSuffix("/config") }.compactMapValues {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The reading keys published for `meter` (topics `pro380/<meter>/<key>` holding a reading).
    func readingKeys(meter: String) -> [String] {
        topics.keys.compactMap { topic -> String? in
            let levels = topic.split(separator: "/")
            guard levels.count == 3, levels[0] == "pro380", levels[1] == meter,
                !["availability", "diagnostics"].contains(levels[2])
            else {
                return nil
            }
            return String(levels[2])
        }
    }
}

/// A bridge run against a broker and a simulator for one test.
struct BridgeRun {
    let task: Task<Void, any Error>

    init(
        port: Int,
        meters: [(name: String, address: Int)],
        simulatorDevice: String,
        allow: [String] = ["tariff"],
        homeAssistant: HomeAssistantSettings = HomeAssistantSettings()
    ) throws {
        var configuration = BridgeConfiguration(diagnosticsInterval: .seconds(1))
        configuration.mqtt.port = port
        configuration.mqtt.clientID = "bridge-test"
        configuration.homeAssistant = homeAssistant
        configuration.buses = [
            BusConfiguration(
                name: "gateway",
                link: .modbusRTU(device: simulatorDevice, settings: LineSettings(baudRate: 9600, parity: .none)),
                meters: meters.map {
                    MeterConfiguration(
                        name: $0.name,
                        address: $0.address,
                        intervals: MeterConfiguration.defaultIntervals(.seconds(1)),
                        allowCommands: allow
                    )
                }
            )
        ]
        let service = BridgeService(configuration: configuration, logger: Logger(label: "bridge"))
        task = Task { try await service.run() }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
