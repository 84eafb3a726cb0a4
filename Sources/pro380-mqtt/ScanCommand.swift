import ArgumentParser
import Bridge
import Foundation

/// `pro380-mqtt scan`: finds the meters on a bus and prints a config block to paste.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find the meters on a bus (Modbus unit ids 1-247) and print a ready-to-paste config block.",
        discussion: """
            Examples:
              pro380-mqtt scan --modbus-rtu /dev/ttyUSB0 --baud 9600 --parity even
              pro380-mqtt scan --modbus-tcp 192.0.2.10:502 --from 1 --to 20
            """
    )

    @OptionGroup var bus: BusOptions

    @Option(help: "First address to try.")
    var from: Int = 1

    @Option(help: "Last address to try.")
    var to: Int = 247

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard 1 <= from, from <= to, to <= 247 else { throw ValidationError("--from and --to must be 1 to 247, --from <= --to") }
    }

    func run() async throws {
        let logger = global.bootstrapLogging()
        let link = bus.link()
        guard link.protocol == .modbus else { throw ValidationError("scan supports Modbus buses (--modbus-rtu, --modbus-tcp, --modbus-rtu-over-tcp)") }
        let timeout = bus.timeout.flatMap(DurationText.parse) ?? .milliseconds(link.configKey == "modbus_rtu" ? 150 : 300)
        Console.write("scanning \(link.endpoint), addresses \(from) to \(to), \(DurationText.format(timeout)) per address ...")
        let found = try await ModbusScanner.scan(link: link, addresses: from...to, timeout: timeout, logger: logger) { _, meter in
            if let meter { Console.write("  address \(meter.address): PRO380 serial \(meter.serialNumber)") }
        }
        guard !found.isEmpty else {
            Console.write("no meter answered: check wiring (A/B), termination, baud rate and parity")
            throw ExitCode(1)
        }
        Console.write("\n\(found.count) meter(s) found. Config block:\n")
        Console.write(ModbusScanner.configBlock(link: link, found: found))
    }
}
