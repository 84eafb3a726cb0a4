import ArgumentParser
import Bridge
import Foundation
import PRO380

/// `pro380-mqtt write`: writes one setting of one meter on site, with the same validation as MQTT commands.
struct WriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write one meter setting (tariff, modbus_id, ...), validated against the manual, then read it back.",
        discussion: """
            Writable keys and values: \(RegisterTable.pro380.writable.map { "\($0.key) (\($0.write!.allowed))" }.joined(separator: "; ")).
            Examples:
              pro380-mqtt write --modbus-rtu /dev/ttyUSB0 --address 1 tariff 2
              pro380-mqtt write --modbus-rtu /dev/ttyUSB0 --address 1 tariff T1 --not-saved
              pro380-mqtt write --modbus-tcp 192.0.2.10:502 --address 3 \\
                  combination_code 9 --dry-run
            """
    )

    @OptionGroup var bus: BusOptions
    @OptionGroup var meter: MeterAddressOptions

    @Argument(help: "The key to write, e.g. tariff.")
    var key: String

    @Argument(help: "The value, e.g. 2 or T2.")
    var value: String

    @Flag(help: "Tariff only: switch without writing the EEPROM (codes 11/12); the meter falls back after a restart.")
    var notSaved = false

    @Flag(help: "Print the frame that would be sent, and send nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    /// The meter's address checked against the bus kind here, not in `run`: a `ValidationError` from `validate`
    /// comes with this subcommand's usage (from `run`, argument-parser shows the top-level one).
    func validate() throws {
        let link = bus.link()
        _ = try meter.meter(for: link)
        if dryRun, link.protocol != .modbus { throw ValidationError("--dry-run shows Modbus frames only") }
    }

    func run() async throws {
        let logger = global.bootstrapLogging()
        let link = bus.link()
        let meterConfiguration = try meter.meter(for: link)
        if notSaved && key != "tariff" {
            OneShotError.write("refused: --not-saved applies to tariff only")
            throw ExitCode(2)
        }
        let payload =
            notSaved ? JSONValue.object([("value", .string(value)), ("persist", false)]).text(.spaced) : value
        let request = CommandRequest(meter: meterConfiguration.name, key: key, payload: Array(payload.utf8))
        let validated: ValidatedCommand
        do {
            validated = try CommandValidator().validate(
                request,
                allowedKeys: [key],
                meterProtocol: link.protocol,
                meterName: "on \(link.endpoint)"
            )
        } catch {
            OneShotError.write("refused: \(error.message)")
            throw ExitCode(2)
        }
        if dryRun {
            // `validate` refused --dry-run for other protocols; a Modbus meter always has its address.
            guard let unit = meterConfiguration.address else { throw ValidationError("a Modbus meter needs --address") }
            let frame = try CommandFrames.modbus(validated.command, unit: UInt8(unit), link: link)
            Console.write(
                "would send to \(link.endpoint): " + frame.map { String(format: "%02X", $0) }.joined(separator: " ")
            )
            return
        }
        var busConfiguration = bus.bus(meter: meterConfiguration)
        busConfiguration.meters[0].allowCommands = [key]
        let session = try BusSession(busConfiguration, logger: logger, use: .oneShot)
        defer { Task { await session.close() } }
        do {
            let confirmation = try await session.meters[0].driver.write(validated.command)
            Console.write("ok: \(key) = \(validated.command.value): \(confirmation.detail)")
            if let notice = confirmation.notice { Console.write("note: \(notice)") }
        } catch {
            OneShotError.write("error: on \(link.endpoint): \(OneShotError.withoutEndpoint("\(error)", link.endpoint))")
            throw ExitCode(1)
        }
    }
}
