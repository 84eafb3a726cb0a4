import ArgumentParser
import Bridge
import Foundation
import Logging
import SerialIO

/// `pro380-mqtt scan`: finds the meters on a bus and prints a config block to paste.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find the meters on a bus and print a ready-to-paste config block.",
        discussion: """
            Modbus: asks unit ids 1-247 (or --from/--to) for their serial number with a short timeout.
            M-Bus: asks primary addresses 0-250 (or --from/--to), then searches secondary addresses with wildcards,
            narrowing digit by digit where meters collide (--no-secondary skips that).
            Examples:
              pro380-mqtt scan --modbus-rtu /dev/ttyUSB0 --baud 9600 --parity even
              pro380-mqtt scan --modbus-tcp 192.0.2.10:502 --from 1 --to 20
              pro380-mqtt scan --mbus-serial /dev/ttyUSB1 --baud 2400
            """
    )

    @OptionGroup var bus: BusOptions

    @Option(help: "First address to try (default 1 for Modbus, 0 for M-Bus).")
    var from: Int?

    @Option(help: "Last address to try (default 247 for Modbus, 250 for M-Bus).")
    var to: Int?

    @Flag(help: "M-Bus: skip the secondary-address search.")
    var noSecondary = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        let mbus = bus.mbusSerial != nil || bus.mbusTCP != nil
        let range = mbus ? 0...250 : 1...247
        let (first, last) = (from ?? range.lowerBound, to ?? range.upperBound)
        guard range.contains(first), range.contains(last), first <= last else {
            throw ValidationError("--from and --to must be \(range.lowerBound) to \(range.upperBound), --from <= --to")
        }
        if bus.iec62056 != nil || bus.iec62056TCP != nil {
            throw ValidationError("an optical port has one meter: use read --iec62056")
        }
    }

    func run() async throws {
        let logger = global.bootstrapLogging()
        let link = bus.link()
        if link.protocol == .mbus { return try await scanMBus(link, logger: logger) }
        let (from, to) = (self.from ?? 1, self.to ?? 247)
        let timeout =
            bus.timeout.flatMap(DurationText.parse) ?? .milliseconds(link.configKey == "modbus_rtu" ? 150 : 300)
        Console.write(
            "scanning \(link.endpoint), addresses \(from) to \(to), \(DurationText.format(timeout)) per address ..."
        )
        let found = try await ModbusScanner.scan(link: link, addresses: from...to, timeout: timeout, logger: logger) {
            _,
            meter in
            if let meter { Console.write("  address \(meter.address): PRO380 serial \(meter.serialNumber)") }
        }
        guard !found.isEmpty else {
            Console.write("no meter answered: check wiring (A/B), termination, baud rate and parity")
            throw ExitCode(1)
        }
        Console.write("\n\(found.count) meter(s) found. Config block:\n")
        Console.write(ModbusScanner.configBlock(link: link, found: found))
    }

    private func scanMBus(_ link: BusLink, logger: Logger) async throws {
        var options = MBusScanner.Options()
        options.primaryAddresses = UInt8(from ?? 0)...UInt8(to ?? 250)
        options.searchSecondary = !noSecondary
        if let timeout = bus.timeout.flatMap(DurationText.parse) { options.timeout = timeout }
        let transport: any Transport
        switch link {
        case .mbusSerial(let device, let settings):
            options.line = settings
            transport = try SerialPort(device: device, settings: settings, logger: logger)
        case .mbusTCP(let host, let port):
            transport = try await TCPTransport.connect(host: host, port: port, timeout: .seconds(3))
        default:
            return
        }
        Console.write(
            "scanning M-Bus \(link.endpoint): primary addresses \(options.primaryAddresses!.lowerBound)-\(options.primaryAddresses!.upperBound)\(options.searchSecondary ? ", then secondary addresses" : "") ..."
        )
        let result = try await MBusScanner.scan(transport, options: options) { line in Console.write("  \(line)") }
        await transport.close()
        guard !result.meters.isEmpty else {
            Console.write("no meter answered: check the level converter, the baud rate (default 2400) and the wiring")
            throw ExitCode(1)
        }
        Console.write("\n\(result.meters.count) meter(s) found. Config block:\n")
        Console.write(MBusScanner.configurationYAML(result.meters, link: link))
    }
}
