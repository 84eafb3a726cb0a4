import Foundation
import PRO380
import TestSupport
import Testing

@testable import Bridge

/// Every discovery payload of a meter checked against Home Assistant's rules.
@Suite struct DiscoveryPayloadTests {
    typealias F = DiscoveryFixtures

    @Test(arguments: [
        HomeAssistantSettings(), HomeAssistantSettings(minVersion: HomeAssistantVersion(year: 2025, month: 6)),
    ])
    func everyPublishedKeyHasExactlyOneValidConfig(settings: HomeAssistantSettings) {
        let meter = F.modbusMeter(allow: [
            "tariff", "power_down_counter", "resettable_day_energy", "parity", "lcd_cycle_time", "combination_code",
        ])
        let messages = F.messages(meter, settings: settings)
        for (topic, payload) in messages {
            #expect(HomeAssistantRules.violations(topic: topic, payload: payload) == [], "\(payload)")
        }
        let stateTopics = F.parsed(messages).values.compactMap { $0["state_topic"] as? String }
        for key in meter.publishedKeys {
            #expect(stateTopics.filter { $0 == "pro380/main/\(key)" }.count == 1, "\(key)")
        }
        #expect(stateTopics.count == meter.publishedKeys.count)
        let uniqueIDs = F.parsed(messages).values.compactMap { $0["unique_id"] as? String }
        #expect(Set(uniqueIDs).count == messages.count)
        #expect(messages.keys.contains("homeassistant/sensor/pro380-mqtt/13070042_voltage_l1/config"))
    }

    @Test func refusedAndUnreadKeysGetNoEntity() {
        var meter = F.modbusMeter()
        meter.entry.units["current_l3"] = nil
        let messages = F.messages(meter)
        #expect(F.config(messages, key: "voltage") == nil, "PRO1-only, refused")
        #expect(F.config(messages, key: "error_code") == nil)
        #expect(F.config(messages, key: "current_l3") == nil, "never read")
        #expect(F.config(messages, key: "current_l2") != nil)
        #expect(F.components(F.modbusMeter(serial: nil)).isEmpty, "nothing before the serial number is known")
    }

    @Test func energySensorsSuitTheEnergyDashboard() throws {
        let messages = F.messages(F.modbusMeter(combinationCode: 9))
        for key in ["forward_active_energy_total", "forward_active_energy_t1", "reverse_active_energy_l2"] {
            let c = try #require(F.config(messages, key: key))
            #expect(c["device_class"] as? String == "energy")
            #expect(c["unit_of_measurement"] as? String == "kWh")
            #expect(c["state_class"] as? String == "total_increasing")
            #expect(c["entity_category"] == nil)
        }
        let total = try #require(F.config(messages, key: "active_energy_total"))
        #expect(total["device_class"] as? String == "energy")
        #expect(total["state_class"] as? String == "total")
        #expect(
            try #require(F.config(messages, key: "forward_active_energy_t1"))["name"] as? String
                == "Forward active energy T1"
        )
    }

    @Test(arguments: [
        (1, "total_increasing"), (5, "total_increasing"), (4, "total"), (6, "total"), (10, "total"), (11, "total"),
    ])
    func combinedTotalsFollowTheCombinationCode(code: Int, stateClass: String) throws {
        let messages = F.messages(F.modbusMeter(combinationCode: code))
        for key in ["active_energy_total", "active_energy_t1", "active_energy_l3"] {
            #expect(try #require(F.config(messages, key: key))["state_class"] as? String == stateClass)
        }
    }

    @Test func unknownCombinationCodeMeansTotal() throws {
        let messages = F.messages(F.modbusMeter(combinationCode: nil))
        #expect(try #require(F.config(messages, key: "active_energy_total"))["state_class"] as? String == "total")
    }

    @Test func reactiveEnergyIsNeverEnergy() throws {
        let old = F.messages(F.modbusMeter())
        let new = F.messages(
            F.modbusMeter(),
            settings: HomeAssistantSettings(minVersion: HomeAssistantVersion("2025.6")!)
        )
        for key in ["forward_reactive_energy_total", "reactive_energy_total", "reverse_reactive_energy_t2"] {
            let before = try #require(F.config(old, key: key))
            #expect(before["device_class"] == nil)
            #expect(before["unit_of_measurement"] as? String == "kvarh")
            let after = try #require(F.config(new, key: key))
            #expect(after["device_class"] as? String == "reactive_energy")
        }
        #expect(
            try #require(F.config(old, key: "forward_reactive_energy_t1"))["state_class"] as? String
                == "total_increasing"
        )
        #expect(try #require(F.config(old, key: "reactive_energy_t1"))["state_class"] as? String == "total")
    }

    @Test(arguments: [
        ("voltage_l1", "voltage", "V"), ("current_l2", "current", "A"), ("frequency", "frequency", "Hz"),
        ("active_power_total", "power", "W"), ("reactive_power_l1", "reactive_power", "var"),
        ("apparent_power_l3", "apparent_power", "VA"),
    ])
    func instantaneousValuesAreMeasurements(key: String, deviceClass: String, unit: String) throws {
        let c = try #require(F.config(F.messages(F.modbusMeter()), key: key))
        #expect(c["device_class"] as? String == deviceClass)
        #expect(c["unit_of_measurement"] as? String == unit)
        #expect(c["state_class"] as? String == "measurement")
        #expect(c["value_template"] as? String == "{{ value_json.value }}")
    }

    @Test func powerFactorHasNoUnit() throws {
        let c = try #require(F.config(F.messages(F.modbusMeter()), key: "power_factor_total"))
        #expect(c["device_class"] as? String == "power_factor")
        #expect(c["unit_of_measurement"] == nil)
        #expect(c["state_class"] as? String == "measurement")
    }

    @Test func identityAndSettingsAreDiagnostics() throws {
        let messages = F.messages(F.modbusMeter())
        let serial = try #require(F.config(messages, key: "serial_number"))
        #expect(serial["entity_category"] as? String == "diagnostic")
        #expect(serial["enabled_by_default"] as? Bool == false)
        let baud = try #require(F.config(messages, key: "baud_rate"))
        #expect(baud["entity_category"] as? String == "diagnostic")
        let quadrant = try #require(F.config(messages, key: "quadrant"))
        #expect(quadrant["entity_category"] as? String == "diagnostic")
        #expect(quadrant["enabled_by_default"] == nil)
    }

    @Test func deviceBlockAndAvailability() throws {
        let c = try #require(F.config(F.messages(F.modbusMeter()), key: "voltage_l1"))
        #expect(c["unique_id"] as? String == "pro380_13070042_voltage_l1")
        #expect(c["name"] as? String == "L1 voltage")
        let device = try #require(c["device"] as? [String: Any])
        #expect(device["identifiers"] as? [String] == ["pro380_13070042"])
        #expect(device["manufacturer"] as? String == "Inepro Metering")
        #expect(device["model"] as? String == "PRO380-Mod")
        #expect(device["sw_version"] as? String == "1.18")
        #expect(device["via_device"] as? String == "pro380_mqtt_pro380-mqtt")
        let availability = try #require(c["availability"] as? [[String: Any]])
        #expect(
            availability.compactMap { $0["topic"] as? String } == [
                "pro380/bridge/pro380-mqtt/state", "pro380/main/availability",
            ]
        )
        #expect(c["availability_mode"] as? String == "all")
        #expect((c["o"] as? [String: Any])?["name"] as? String == "pro380-mqtt")
    }
}
