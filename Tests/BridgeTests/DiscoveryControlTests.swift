import Foundation
import PRO380
import TestSupport
import Testing

@testable import Bridge

/// Selects, numbers and buttons: only where `allow_commands` and the protocol let the command through.
@Suite struct DiscoveryControlTests {
    typealias F = DiscoveryFixtures

    func platform(_ messages: [String: String], _ objectID: String) -> String? {
        messages.keys.first { $0.hasSuffix("/13070042_\(objectID)/config") }?.split(separator: "/")[1].description
    }

    @Test func tariffIsASelectOnItsCommandTopic() throws {
        let messages = F.messages(F.modbusMeter(allow: ["tariff"]))
        let tariff = try #require(F.config(messages, key: "tariff"))
        #expect(platform(messages, "tariff") == "select")
        #expect(tariff["options"] as? [String] == ["T1", "T2"])
        #expect(tariff["command_topic"] as? String == "pro380/main/tariff/set")
        #expect(tariff["value_template"] as? String == "T{{ value_json.value }}")
        #expect(tariff["entity_category"] == nil)
    }

    @Test func withoutPermissionTheTariffIsASensor() throws {
        let messages = F.messages(F.modbusMeter(allow: []))
        #expect(platform(messages, "tariff") == "sensor")
        #expect(try #require(F.config(messages, key: "tariff"))["command_topic"] == nil)
        #expect(messages.keys.filter { $0.contains("/button/") }.isEmpty)
    }

    @Test func resetsAreButtonsOnlyWhenAllowed() throws {
        let none = F.messages(F.modbusMeter(allow: ["tariff"]))
        #expect(none.keys.filter { $0.contains("/button/") }.isEmpty)
        let both = F.parsed(F.messages(F.modbusMeter(allow: ["power_down_counter", "resettable_day_energy"])))
        let buttons = both.filter { $0.key.contains("/button/") }
        #expect(buttons.count == 2)
        for (topic, button) in buttons {
            #expect(button["payload_press"] as? String == "0")
            #expect(button["entity_category"] as? String == "config")
            #expect(
                HomeAssistantRules.violations(
                    topic: topic,
                    payload: F.messages(F.modbusMeter(allow: ["power_down_counter", "resettable_day_energy"]))[topic]!
                ) == []
            )
        }
        #expect(
            Set(buttons.values.compactMap { $0["command_topic"] as? String })
                == ["pro380/main/power_down_counter/set", "pro380/main/resettable_day_energy/set"]
        )
        // The value itself stays a sensor.
        #expect(platform(F.messages(F.modbusMeter(allow: ["power_down_counter"])), "power_down_counter") == "sensor")
    }

    @Test func settingsBecomeSelectsAndNumbersWhenAllowed() throws {
        let messages = F.messages(
            F.modbusMeter(allow: [
                "parity", "combination_code", "lcd_cycle_time", "s0_output_rate", "baud_rate", "modbus_id",
            ])
        )
        #expect(try #require(F.config(messages, key: "parity"))["options"] as? [String] == ["even", "none", "odd"])
        #expect(
            try #require(F.config(messages, key: "combination_code"))["options"] as? [String] == [
                "1", "4", "5", "6", "9", "10", "11",
            ]
        )
        #expect(
            try #require(F.config(messages, key: "s0_output_rate"))["options"] as? [String]
                == ["10000", "2000", "1000", "100", "10", "1", "0.1", "0.01"]
        )
        let lcd = try #require(F.config(messages, key: "lcd_cycle_time"))
        #expect(platform(messages, "lcd_cycle_time") == "number")
        #expect(lcd["min"] as? Int == 1)
        #expect(lcd["max"] as? Int == 30)
        #expect(lcd["unit_of_measurement"] as? String == "s")
        #expect(lcd["entity_category"] as? String == "config")
        #expect(platform(messages, "modbus_id") == "number")
        for (topic, payload) in messages {
            #expect(HomeAssistantRules.violations(topic: topic, payload: payload) == [])
        }
    }

    @Test func theOpticalPortWritesNothing() {
        var meter = F.modbusMeter(allow: ["tariff", "resettable_day_energy"])
        meter.meterProtocol = .iec62056
        let messages = F.messages(meter)
        #expect(platform(messages, "tariff") == "sensor")
        #expect(messages.keys.filter { $0.contains("/button/") }.isEmpty)
        #expect(
            F.parsed(messages).values.allSatisfy {
                ($0["device"] as? [String: Any])?["model"] as? String == "PRO380 (optical port)"
            }
        )
    }
}
