import Foundation
import MQTT
import PRO380
import TestSupport
import Testing

@testable import Bridge

@Suite struct ConfigurationTests {
    let sample = """
        mqtt:
          host: 127.0.0.1
          port: 1884
          client_id: basement-1
          base_topic: site/pro380
          version: 3
        buses:
          - name: basement
            modbus_rtu: {device: /dev/ttyUSB0, baud: 9600, parity: even, stop_bits: 1}
            timeout: 500ms
            meters:
              - {name: main, address: 1, interval: 10s}
              - name: pv
                address: 2
                groups: {instantaneous: 2s, identity: 2h}
                max_registers: 60
                allow_commands: [tariff, resettable_day_energy]
          - name: gateway
            modbus_tcp: {host: 127.0.0.1, port: 5020}
            meters:
              - {name: heat-pump, address: 3, interval: 5s}
        """

    @Test func decodesTheSchema() throws {
        let config = try BridgeConfiguration.parse(yaml: sample, file: "bridge.yaml")
        #expect(config.mqtt.port == 1884)
        #expect(config.mqtt.clientID == "basement-1")
        #expect(config.mqtt.baseTopic == "site/pro380")
        #expect(config.mqtt.version == 3)
        #expect(config.buses.count == 2)
        #expect(config.buses[0].timeout == .milliseconds(500))
        #expect(config.buses[1].timeout == .seconds(1))
        #expect(config.buses[1].link == .modbusTCP(host: "127.0.0.1", port: 5020))
        let pv = config.buses[0].meters[1]
        #expect(pv.intervals[.instantaneous] == .seconds(2))
        #expect(pv.intervals[.energy] == .seconds(10))
        #expect(pv.intervals[.identity] == .seconds(7200))
        #expect(pv.maxRegisters == 60)
        #expect(pv.allowCommands == ["tariff", "resettable_day_energy"])
        #expect(config.buses[0].meters[0].allowCommands == ["tariff"])
    }

    @Test(arguments: [
        ("adress", 14, "buses[0].meters[1].adress", "did you mean address?"),
        ("max_registers: 200", 16, "buses[0].meters[1].max_registers", "out of range"),
        ("allow_commands: [voltage_l1]", 17, "buses[0].meters[1].allow_commands[0]", "not a writable key"),
    ])
    func typoNamesFileLineAndKey(mutation: String, line: Int, key: String, message: String) throws {
        let broken: String
        switch mutation {
        case "adress": broken = sample.replacingOccurrences(of: "    address: 2", with: "    adress: 2")
        case "max_registers: 200": broken = sample.replacingOccurrences(of: "max_registers: 60", with: mutation)
        default:
            broken = sample.replacingOccurrences(of: "allow_commands: [tariff, resettable_day_energy]", with: mutation)
        }
        let error = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: broken, file: "bridge.yaml")
        }
        #expect(error?.errors.count == 1, "\(String(describing: error))")
        #expect(error?.errors.first?.file == "bridge.yaml")
        #expect(error?.errors.first?.line == line)
        #expect(error?.errors.first?.key == key)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func duplicateNamesAndAddressesAreRefused() {
        let twice = sample.replacingOccurrences(of: "name: heat-pump", with: "name: main")
        let e1 = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: twice, file: "b.yaml")
        }
        #expect(e1?.description.contains("used twice") == true)
        let sameAddress = sample.replacingOccurrences(of: "    address: 2", with: "    address: 1")
        let e2 = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: sameAddress, file: "b.yaml")
        }
        #expect(e2?.description.contains("address 1 is used twice") == true)
    }

    @Test func invalidYAMLNamesTheLine() {
        let error = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: "mqtt:\n  host: [unclosed\nbuses: []\n", file: "x.yaml")
        }
        #expect(error?.errors.first?.line != nil)
        #expect(error?.description.hasPrefix("x.yaml:") == true)
    }

    @Test func durations() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("10") == nil, "a bare number: seconds or milliseconds?")
        #expect(DurationText.parse("ten") == nil)
        #expect(DurationText.parse("-1s") == nil)
    }

    @Test func shippedExamplesDecode() throws {
        let folder = TestEnvironment.packageRoot.appendingPathComponent("config")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            _ = try BridgeConfiguration.load(path: folder.appendingPathComponent(file).path, environment: [:])
        }
    }
}

@Suite struct SampleConfigurationTests {
    @Test func shippedExampleIsTheSample() throws {
        let url = TestEnvironment.packageRoot.appendingPathComponent("config/example.yaml")
        let shipped = try String(contentsOf: url, encoding: .utf8)
        #expect(
            shipped == SampleConfiguration.yaml + "\n",
            "regenerate config/example.yaml from SampleConfiguration.yaml"
        )
        _ = try BridgeConfiguration.parse(yaml: SampleConfiguration.yaml, file: "sample")
    }
}

@Suite struct ConfigurationLimitsTests {
    @Test func connectTimeoutDefaultsToTenSecondsAndReachesTheClient() throws {
        let bus = self.bus
        #expect(try BridgeConfiguration.parse(yaml: bus, file: "c.yaml").mqtt.connectTimeout == .seconds(10))
        let configuration = try BridgeConfiguration.parse(yaml: "mqtt: {connect_timeout: 3s}\n" + bus, file: "c.yaml")
        #expect(configuration.mqtt.connectTimeout == .seconds(3))
        let client = BridgeService.clientConfiguration(
            configuration.mqtt,
            topics: TopicLayout(base: "pro380", clientID: "c")
        )
        #expect(client.connectTimeout == .seconds(3))
    }

    let bus =
        "buses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n      - {name: m, address: 1}\n"

    @Test(arguments: [
        ("mqtt: {client_id: \"\"}\n", "client id"),
        ("mqtt: {keepalive: 0s}\n", "at least 5s"),
        ("mqtt: {connect_timeout: 0s}\n", "mqtt.connect_timeout: between 1s and 5m"),
        ("mqtt: {connect_timeout: 6m}\n", "between 1s and 5m"),
        ("diagnostics_interval: 0s\n", "at least 100ms"),
        ("diagnostics_interval: 1e20s\n", "expected a duration"),
    ])
    func refusesSettingsThatCannotRun(prefix: String, message: String) {
        let error = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: prefix + bus, file: "c.yaml")
        }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func refusesEmptyListsZeroTimeoutsAndTwoOwnersOfOneBus() {
        let cases = [
            ("buses: []\n", "at least one bus"),
            ("buses:\n  - name: a\n    modbus_tcp: {host: h, port: 502}\n    meters: []\n", "lists no meters"),
            (bus.replacingOccurrences(of: "    meters:", with: "    timeout: 0ms\n    meters:"), "at least 10ms"),
            (
                bus
                    + "  - name: b\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n      - {name: n, address: 2}\n",
                "already bus a"
            ),
        ]
        for (yaml, message) in cases {
            let error = #expect(throws: ConfigurationErrors.self) {
                try BridgeConfiguration.parse(yaml: yaml, file: "c.yaml")
            }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
    }

    @Test func allowCommandsMustBeWritableOverTheBusProtocol() throws {
        let mbus =
            "buses:\n  - name: a\n    mbus_tcp: {host: h, port: 1}\n    meters:\n      - {name: m, address: 1, allow_commands: [modbus_id]}\n"
        let e1 = #expect(throws: ConfigurationErrors.self) { try BridgeConfiguration.parse(yaml: mbus, file: "c.yaml") }
        #expect(e1?.description.contains("modbus_id cannot be written over M-Bus") == true, "\(String(describing: e1))")
        let optical =
            "buses:\n  - name: o\n    iec62056: {device: /dev/ttyUSB9}\n    meters:\n      - {name: m, allow_commands: [tariff]}\n"
        let e2 = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: optical, file: "c.yaml")
        }
        #expect(e2?.description.contains("nothing is writable here") == true, "\(String(describing: e2))")
        let plain = "buses:\n  - name: o\n    iec62056: {device: /dev/ttyUSB9}\n    meters:\n      - {name: m}\n"
        #expect(try BridgeConfiguration.parse(yaml: plain, file: "c.yaml").buses[0].meters[0].allowCommands.isEmpty)
    }
}
