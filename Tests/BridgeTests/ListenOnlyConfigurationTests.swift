import Foundation
import PRO380
import SerialIO
import Testing

@testable import Bridge

/// `modbus_rtu_listen`: the bus kind, what it refuses in the config (every problem at once, with file, line and
/// key), and the command validator's answer.
@Suite struct ListenOnlyConfigurationTests {
    func parse(_ bus: String) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: "buses:\n" + bus, file: "listen.yaml")
    }

    @Test func decodesTheListenOnlyBusKind() throws {
        let config = try parse(
            """
              - name: wallbox
                modbus_rtu_listen: {device: /dev/ttyUSB3, baud: 4800, parity: none}
                meters:
                  - {name: charger-meter, address: 1, interval: 5s}
            """
        )
        let bus = config.buses[0]
        #expect(
            bus.link == .modbusRTUListen(device: "/dev/ttyUSB3", settings: LineSettings(baudRate: 4800, parity: .none))
        )
        #expect(bus.link.protocol == .modbusListen)
        #expect(bus.link.configKey == "modbus_rtu_listen")
        #expect(bus.meters[0].allowCommands.isEmpty)
        #expect(bus.meters[0].address == 1)
        #expect(config.warnings.map(\.key) == ["buses[0].modbus_rtu_listen.device"], "a missing device is a warning")
        #expect(config.warnings.first?.line == 3)
    }

    /// Every problem of a listen-only bus in one run: a key only a sending bus uses (on the bus and on a meter),
    /// a speed the PRO380 does not run at, and a writable key, each with its file, line and key.
    @Test func reportsEveryProblemAtOnce() throws {
        let errors = #expect(throws: ConfigurationErrors.self) {
            try parse(
                """
                  - name: wallbox
                    timeout: 1s
                    modbus_rtu_listen: {device: /dev/ttyUSB3, baud: 19200}
                    meters:
                      - {name: m, address: 1, max_registers: 60, allow_commands: [tariff]}
                """
            )
        }
        let found = errors?.errors ?? []
        #expect(
            found.map(\.key) == [
                "buses[0].timeout", "buses[0].modbus_rtu_listen.baud", "buses[0].meters[0].max_registers",
                "buses[0].meters[0].allow_commands[0]",
            ],
            "\(found)"
        )
        #expect(found.map(\.line) == [3, 4, 6, 6])
        #expect(found.allSatisfy { $0.file == "listen.yaml" })
        #expect(found[0].message.contains("never sends") && found[2].message.contains("never sends"))
        #expect(found[1].message.contains("allowed: 300, 600, 1200, 2400, 4800, 9600"), "\(found[1])")
        #expect(found[3].message.contains("nothing is writable here"), "\(found[3])")
    }

    @Test(arguments: [
        ("timeout: 1s\n    ", "timeout"),
        ("echo: true\n    ", "echo"),
    ])
    func refusesWhatOnlyASendingBusUses(extra: String, key: String) throws {
        let errors = #expect(throws: ConfigurationErrors.self) {
            try parse(
                """
                  - name: wallbox
                    \(extra)modbus_rtu_listen: {device: /dev/ttyUSB3}
                    meters: [{name: m, address: 1}]
                """
            )
        }
        let error = errors?.errors.first
        #expect(errors?.errors.count == 1)
        #expect(error?.key.hasSuffix(key) == true, "\(String(describing: error))")
        #expect(error?.message.contains("never sends") == true)
    }

    @Test func refusesCommandsInTheConfigAndOnTheBroker() throws {
        let error = #expect(throws: ConfigurationErrors.self) {
            try parse(
                """
                  - name: wallbox
                    modbus_rtu_listen: {device: /dev/ttyUSB3}
                    meters: [{name: m, address: 1, allow_commands: [tariff]}]
                """
            )
        }?.errors.first
        #expect(error?.message.contains("nothing is writable here") == true, "\(String(describing: error))")

        let request = CommandRequest(meter: "m", key: "tariff", payload: Array("2".utf8), receivedAt: Date())
        let rejection = #expect(throws: CommandRejection.self) {
            try CommandValidator().validate(
                request,
                allowedKeys: ["tariff"],
                meterProtocol: .modbusListen,
                meterName: "m"
            )
        }
        #expect(rejection?.message.contains("listen-only bus") == true, "\(String(describing: rejection))")
    }

    @Test func discoveryIdentifiesAHeardMeterBeforeItsSerialNumberIsHeard() {
        var snapshot = MeterSnapshot(name: "charger", meterProtocol: .modbusListen, allowCommands: [], entry: .init())
        #expect(snapshot.serial == "listen_charger")
        #expect(snapshot.model == "PRO380-Mod")
        snapshot.entry.identity["serial_number"] = .text("13070042")
        #expect(snapshot.serial == "13070042")
        let polled = MeterSnapshot(name: "main", meterProtocol: .modbus, allowCommands: [], entry: .init())
        #expect(polled.serial == nil)
        let allowed = MeterSnapshot(name: "c", meterProtocol: .modbusListen, allowCommands: ["tariff"], entry: .init())
        #expect(!allowed.canWrite(RegisterTable.pro380["tariff"]!), "no control entity on a listen-only meter")
    }
}
