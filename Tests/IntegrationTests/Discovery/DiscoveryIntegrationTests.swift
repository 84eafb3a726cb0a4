import Bridge
import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// The bridge against a real mosquitto and the simulated PRO380 over Modbus RTU on a pseudo-terminal, seen as Home Assistant sees it.
@Suite struct DiscoveryIntegrationTests {
    /// Runs `body` with a broker, a simulator serving `meters` meters, and a view of the broker.
    func withSetup(
        meters: Int = 1,
        _ body: (MosquittoBroker, SimulatorService, RetainedView) async throws -> Void
    ) async throws {
        let broker = try await MosquittoBroker()
        let settings = meters == 1 ? [SimulatedMeterSettings()] : SimulatorConfiguration.meters(count: meters)
        let simulator = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .pseudoTerminal, meters: settings),
            logger: Logger(label: "sim")
        )
        let serving = Task { try await simulator.run() }
        let view = try await RetainedView(port: broker.port)
        do {
            try await body(broker, simulator, view)
        } catch {
            await view.close()
            serving.cancel()
            _ = await serving.result
            await broker.stopAndRemove()
            throw error
        }
        await view.close()
        serving.cancel()
        _ = await serving.result
        await broker.stopAndRemove()
    }

    /// The configs whose state topic is `pro380/<meter>/<key>`, by key.
    static func configsByKey(_ view: RetainedView, meter: String) -> [String: [[String: Any]]] {
        var out: [String: [[String: Any]]] = [:]
        for config in view.configs.values {
            guard let topic = config["state_topic"] as? String, topic.hasPrefix("pro380/\(meter)/") else { continue }
            out[String(topic.dropFirst("pro380/\(meter)/".count)), default: []].append(config)
        }
        return out
    }

    /// Every key published for `meter` has exactly one config, and every config's key was published.
    static func covered(_ view: RetainedView, meter: String) -> Bool {
        let keys = view.readingKeys(meter: meter)
        let configs = configsByKey(view, meter: meter)
        return keys.count > 50 && Set(keys) == Set(configs.keys) && configs.values.allSatisfy { $0.count == 1 }
    }

    @Test func everyPublishedKeyHasExactlyOneValidConfigAndTheTariffSelectSwitchesTheMeter() async throws {
        try await withSetup { broker, simulator, view in
            let bridge = try BridgeRun(port: broker.port, meters: [("main", 1)], simulatorDevice: simulator.endpoint)
            defer { Task { await bridge.stop() } }
            #expect(try await view.wait { _ in Self.covered(view, meter: "main") }, "\(view.topics.keys.sorted())")
            for (topic, payload) in view.topics where topic.hasPrefix("homeassistant/") {
                #expect(HomeAssistantRules.violations(topic: topic, payload: payload) == [], "\(payload)")
            }
            let byKey = Self.configsByKey(view, meter: "main")
            for key in ["forward_active_energy_total", "reverse_active_energy_total", "forward_active_energy_t1"] {
                let config = try #require(byKey[key]?.first)
                #expect(config["device_class"] as? String == "energy")
                #expect(config["state_class"] as? String == "total_increasing")
                #expect(config["unit_of_measurement"] as? String == "kWh")
            }
            #expect(byKey["voltage"] == nil, "the PRO1-only row is refused by the meter")
            let bridgeSensors = view.configs.values.filter {
                ($0["state_topic"] as? String) == "pro380/bridge/bridge-test/diagnostics"
            }
            #expect(
                bridgeSensors.count
                    == BridgeDiscovery(topics: TopicLayout(base: "pro380", clientID: "bridge-test")).components.count
            )

            let tariff = try #require(byKey["tariff"]?.first)
            #expect(tariff["options"] as? [String] == ["T1", "T2"])
            let command = try #require(tariff["command_topic"] as? String)
            let meter = try #require(simulator.bus.meter(unit: 1))
            let target = meter.settings.activeTariff == 2 ? "T1" : "T2"
            try await view.publish(command, target)
            #expect(try await view.wait { _ in "T\(meter.settings.activeTariff)" == target })
            #expect(
                try await view.wait { $0["pro380/main/tariff"]?.contains("\"value\": \(target.dropFirst())") == true }
            )
            await bridge.stop()
        }
    }

    @Test func homeAssistantsBirthRepublishesDiscoveryAndAvailability() async throws {
        try await withSetup { broker, simulator, view in
            let state = "pro380/bridge/bridge-test/state"
            let states = try await MessageLog(port: broker.port, filters: [state])
            let bridge = try BridgeRun(port: broker.port, meters: [("main", 1)], simulatorDevice: simulator.endpoint)
            let configTopic = "homeassistant/sensor/bridge-test/13070042_voltage_l1/config"
            #expect(try await view.wait { $0[configTopic] != nil && $0["pro380/main/availability"] == "online" })
            // The client's birth message says `online` once per connection; discovery does not say it again.
            #expect(states.payloads(state) == ["online"])
            // Home Assistant lost its configs; a stale retained offline sits on the meter's availability.
            try await view.publish(configTopic, "", retain: true)
            try await view.publish("pro380/main/availability", "offline", retain: true)
            #expect(try await view.wait { $0[configTopic] == nil && $0["pro380/main/availability"] == "offline" })
            try await view.publish("homeassistant/status", "online")
            #expect(try await view.wait { $0[configTopic] != nil && $0["pro380/main/availability"] == "online" })
            #expect(view.topics[state] == "online")
            // Home Assistant's birth re-asserts it.
            await eventually("online re-asserted") { states.payloads(state) == ["online", "online"] }
            await states.shutdown()
            await bridge.stop()
        }
    }

    @Test func aMeterRemovedFromTheConfigHasItsConfigsCleared() async throws {
        try await withSetup(meters: 2) { broker, simulator, view in
            let first = try BridgeRun(
                port: broker.port,
                meters: [("main", 1), ("second", 2)],
                simulatorDevice: simulator.endpoint
            )
            let registry = "pro380/bridge/bridge-test/discovery"
            #expect(
                try await view.wait { topics in
                    Self.covered(view, meter: "main") && Self.covered(view, meter: "second")
                        && topics[registry]?.contains("second") == true
                }
            )
            #expect(view.topics.keys.contains { $0.contains("/13070002_") })
            await first.stop()

            let second = try BridgeRun(port: broker.port, meters: [("main", 1)], simulatorDevice: simulator.endpoint)
            #expect(
                try await view.wait { topics in
                    !topics.keys.contains { $0.hasPrefix("homeassistant/") && $0.contains("13070002") }
                        && topics[registry]?.contains("second") == false
                },
                "\(view.topics.keys.filter { $0.contains("13070002") })"
            )
            #expect(view.topics.keys.contains { $0.contains("/13070001_voltage_l1/") })
            await second.stop()
        }
    }
}
