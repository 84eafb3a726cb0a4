import Foundation
import PRO380
import SerialIO
import Testing

@testable import Bridge

/// `modbus_rtu_listen`: the bus kind, what it refuses in the config, and the command validator's answer.
@Suite struct ListenOnlyConfigurationTests {
    func parse(_ bus: String) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: "buses:\n" + bus, file: "listen.yaml")
    }

    @Test func decodesTheListenOnlyBusKind() throws {
        let config = try parse(
            """
              - name: wallbox
                modbus_rtu_listen: {device: /dev/ttyUSB3, baud: 19200, parity: none}
                meters:
                  - {name: charger-meter, address: 1, interval: 5s}
            """
        )
        let bus = config.buses[0]
        #expect(
            bus.link == .modbusRTUListen(device: "/dev/ttyUSB3", settings: LineSettings(baudRate: 19200, parity: .none))
        )
        #expect(bus.link.protocol == .modbusListen)
        #expect(bus.link.configKey == "modbus_rtu_listen")
        #expect(bus.meters[0].allowCommands.isEmpty)
        #expect(bus.meters[0].address == 1)
    }

    @Test(arguments: [
        ("timeout: 1s\n    ", "timeout"),
        ("echo: true\n    ", "echo"),
    ])
    func refusesWhatOnlyASendingBusUses(extra: String, key: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try parse(
                """
                  - name: wallbox
                    \(extra)modbus_rtu_listen: {device: /dev/ttyUSB3}
                    meters: [{name: m, address: 1}]
                """
            )
        }
        #expect(error?.key.hasSuffix(key) == true, "\(String(describing: error))")
        #expect(error?.message.contains("never sends") == true)
    }

    @Test func refusesCommandsInTheConfigAndOnTheBroker() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try parse(
                """
                  - name: wallbox
                    modbus_rtu_listen: {device: /dev/ttyUSB3}
                    meters: [{name: m, address: 1, allow_commands: [tariff]}]
                """
            )
        }
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
