import Foundation
import Outbox
import PRO380
import TestSupport
import Testing

@testable import Bridge

/// Device-based payloads, the bridge device, the registry and the reconciler, and the config keys.
@Suite struct DiscoveryLifecycleTests {
    typealias F = DiscoveryFixtures

    @Test func deviceBasedDiscoveryIsOnePayloadWithComponentsAndOrigin() throws {
        let settings = HomeAssistantSettings(minVersion: HomeAssistantVersion(year: 2024, month: 11), deviceBased: true)
        let meter = F.modbusMeter(allow: ["tariff", "resettable_day_energy"])
        let messages = F.messages(meter, settings: settings)
        #expect(Array(messages.keys) == ["homeassistant/device/pro380_13070042/config"])
        let (topic, payload) = try #require(messages.first)
        #expect(HomeAssistantRules.violations(topic: topic, payload: payload) == [])
        let object = try #require(F.parsed(messages)[topic])
        let cmps = try #require(object["cmps"] as? [String: [String: Any]])
        #expect(cmps.count == F.components(meter).count)
        #expect(cmps["13070042_tariff"]?["p"] as? String == "select")
        #expect(cmps["13070042_resettable_day_energy_reset"]?["p"] as? String == "button")
        #expect((object["o"] as? [String: Any])?["name"] as? String == "pro380-mqtt")
        #expect((object["dev"] as? [String: Any])?["identifiers"] as? [String] == ["pro380_13070042"])
        #expect(object["availability_mode"] as? String == "all")
    }

    @Test(arguments: [false, true])
    func theBridgeIsADeviceWithDiagnosticSensors(deviceBased: Bool) {
        let settings = HomeAssistantSettings(
            minVersion: HomeAssistantVersion(year: 2025, month: 1),
            deviceBased: deviceBased
        )
        let bridge = BridgeDiscovery(topics: F.topics)
        let messages = DiscoveryMessages(settings: settings, clientID: "pro380-mqtt").messages(
            deviceID: DiscoveryID.bridgeDevice(clientID: "pro380-mqtt"),
            device: bridge.device,
            shared: bridge.availability,
            components: bridge.components
        )
        #expect(messages.count == (deviceBased ? 1 : BridgeDiscovery.fields.count))
        for (topic, payload) in messages {
            #expect(HomeAssistantRules.violations(topic: topic, payload: payload) == [], "\(payload)")
            #expect(payload.contains("pro380/bridge/pro380-mqtt/diagnostics"))
            #expect(payload.contains("\"entity_category\":\"diagnostic\""))
        }
    }

    @Test func theDiagnosticsSummaryHasTheFieldsTheBridgeSensorsRead() throws {
        var summary = BridgeDiagnosticsSummary()
        var diagnostics = MeterDiagnostics()
        diagnostics.timeouts = 2
        var entry = MeterLedger.Entry()
        entry.online = true
        entry.lastPoll = .milliseconds(412)
        summary.add(diagnostics, entry: entry)
        summary.add(
            Outbox.Statistics(count: 3, bytes: 420, oldest: Date(timeIntervalSince1970: 100), drops: Outbox.Drops()),
            now: Date(timeIntervalSince1970: 112.5)
        )
        let json = try #require(
            JSONSerialization.jsonObject(with: Data(JSONValue.object(summary.members).text.utf8)) as? [String: Any]
        )
        for field in BridgeDiscovery.fields {
            let parts = field.path.split(separator: ".").map(String.init)
            let value = parts.count == 2 ? (json[parts[0]] as? [String: Any])?[parts[1]] : json[parts[0]]
            #expect(value != nil, "\(field.path)")
        }
        #expect(json["meters_online"] as? Int == 1)
        #expect(json["queued_messages"] as? Int == 3)
        #expect((json["outbox"] as? [String: Any])?["oldest_age"] as? Double == 12.5)
        #expect(json["poll_cycle_time"] as? Double == 0.412)
    }

    @Test func theReconcilerClearsRemovedMetersAndSkipsUnchangedConfigs() {
        let old = DiscoveryRegistry(owners: [
            "gone": ["ha/sensor/n/a/config"], "main": ["ha/sensor/n/old/config", "ha/sensor/n/v/config"],
        ])
        var reconciler = DiscoveryReconciler(registry: DiscoveryRegistry(payload: Array(old.payload.utf8)))
        #expect(reconciler.registry == old)
        let wanted: [String: [String: String]?] = [
            "main": ["ha/sensor/n/v/config": "{}"], "waiting": Optional<[String: String]>.none,
        ]
        let first = reconciler.reconcile(wanted: wanted, force: true)
        #expect(first.clear == ["ha/sensor/n/a/config", "ha/sensor/n/old/config"])
        #expect(first.publish.map(\.topic) == ["ha/sensor/n/v/config"])
        #expect(reconciler.registry.owners == ["main": ["ha/sensor/n/v/config"]])
        #expect(first.registry != nil)
        #expect(reconciler.reconcile(wanted: wanted, force: false).isEmpty)
        #expect(reconciler.reconcile(wanted: wanted, force: true).publish.count == 1)
        let changed = reconciler.reconcile(wanted: ["main": ["ha/sensor/n/v/config": "{\"a\":1}"]], force: false)
        #expect(changed.publish.map(\.payload) == ["{\"a\":1}"])
        #expect(changed.registry == nil)
        let disabled = reconciler.reconcile(wanted: [:], force: false)
        #expect(disabled.clear == ["ha/sensor/n/v/config"])
        #expect(reconciler.registry.owners.isEmpty)
    }

    @Test func theRegistryReadsEmptyAndForeignPayloadsAsEmpty() {
        #expect(DiscoveryRegistry(payload: []) == DiscoveryRegistry())
        #expect(DiscoveryRegistry(payload: Array("not json".utf8)) == DiscoveryRegistry())
    }

    @Test func configKeysAndDefaults() throws {
        let base = "buses:\n  - {name: b, modbus_tcp: {host: 127.0.0.1, port: 502}, meters: [{name: m, address: 1}]}\n"
        #expect(try BridgeConfiguration.parse(yaml: base, file: "x.yaml").homeAssistant == HomeAssistantSettings())
        let custom = try BridgeConfiguration.parse(
            yaml: base + "homeassistant: {enabled: false, prefix: ha, min_version: \"2025.6\", device_based: true}\n",
            file: "x.yaml"
        )
        #expect(
            custom.homeAssistant
                == HomeAssistantSettings(
                    enabled: false,
                    prefix: "ha",
                    minVersion: .reactiveEnergyClass,
                    deviceBased: true
                )
        )
        #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: base + "homeassistant: {device_based: true}\n", file: "x.yaml")
        }
        #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: base + "homeassistant: {min_version: \"latest\"}\n", file: "x.yaml")
        }
        #expect(
            try BridgeConfiguration.parse(yaml: SampleConfiguration.yaml, file: "sample").homeAssistant
                == HomeAssistantSettings()
        )
    }
}
