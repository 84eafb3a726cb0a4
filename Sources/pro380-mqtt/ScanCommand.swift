import ArgumentParser
import Bridge
import Foundation
import Logging
import SerialIO
import Synchronization

/// `pro380-mqtt scan`: finds the meters on a bus and prints a config block to paste, or a commissioning report.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find the meters on a bus and print a ready-to-paste config block (or, with --json, a report).",
        discussion: """
            Modbus: asks unit ids 1-247 (or --from/--to) for their serial number with a short timeout.

            M-Bus: asks primary addresses 0-250 (or --from/--to), then searches secondary addresses with \
            wildcards, narrowing digit by digit where meters collide (--no-secondary skips that).

            Progress (address, done/total, found, time left) goes to standard error; the result alone to \
            standard output, so `scan ... > meters.yaml` keeps the config block.

            Examples:
              pro380-mqtt scan --modbus-rtu /dev/ttyUSB0 --baud 9600 --parity even
              pro380-mqtt scan --modbus-tcp 192.0.2.10:502 --from 1 --to 20 \\
                  --json > commissioning.json
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

    @Flag(
        help: """
            Print a commissioning report instead of a config block: for each meter its address, serial number, \
            firmware, baud rate, parity, combination code and tariff, read after the scan.
            """
    )
    var json = false

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
        let found: [(address: Int?, secondaryAddress: String?)]
        let configBlock: String
        if link.protocol == .mbus {
            let meters = try await scanMBus(link, logger: logger)
            found = meters.map { ($0.primaryAddress.map(Int.init), $0.primaryAddress == nil ? $0.serialNumber : nil) }
            configBlock = MBusScanner.configurationYAML(meters, link: link)
        } else {
            let meters = try await scanModbus(link, logger: logger)
            found = meters.map { ($0.address, nil) }
            configBlock = ModbusScanner.configBlock(link: link, found: meters)
        }
        guard !found.isEmpty else {
            let hint =
                link.protocol == .mbus
                ? "check the level converter, the baud rate (default 2400) and the wiring"
                : "check wiring (A/B), termination, baud rate and parity"
            Console.progress("no meter answered: \(hint)\n")
            throw ExitCode(1)
        }
        Console.progress("\(found.count) meter(s) found\(json ? "; reading their settings" : "")\n")
        if json {
            let report = try await CommissioningReport.read(
                link: link,
                found: found,
                timeout: bus.timeout.flatMap(DurationText.parse),
                logger: logger
            )
            Console.write(report.json)
        } else {
            Console.write(configBlock)
        }
    }

    private func scanModbus(_ link: BusLink, logger: Logger) async throws -> [ModbusScanner.Found] {
        let (from, to) = (self.from ?? 1, self.to ?? 247)
        let timeout =
            bus.timeout.flatMap(DurationText.parse) ?? .milliseconds(link.configKey == "modbus_rtu" ? 150 : 300)
        let progress = Mutex(ScanProgress(total: to - from + 1))
        Console.progress(
            "scanning \(link.endpoint), addresses \(from) to \(to), \(DurationText.format(timeout)) per address\n"
        )
        return try await ModbusScanner.scan(link: link, addresses: from...to, timeout: timeout, logger: logger) {
            address,
            meter in
            let text = progress.withLock {
                $0.asked(address: address, foundMeter: meter.map(Self.describe))
            }
            if let text { Console.progress(text) }
        }
    }

    /// A found Modbus meter for the progress output: its serial number and register map, or the old map's diagnosis.
    private static func describe(_ meter: ModbusScanner.Found) -> String {
        guard meter.registerMap == .current else {
            return "address \(meter.address): register map \(meter.registerMap.rawValue): "
                + RegisterMap.legacyDiagnosis(unit: meter.address)
        }
        return "address \(meter.address): serial \(meter.serialNumber), register map current (manual A3.2)"
    }

    private func scanMBus(_ link: BusLink, logger: Logger) async throws -> [MBusScanner.FoundMeter] {
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
            return []
        }
        let range = options.primaryAddresses!
        Console.progress(
            "scanning M-Bus \(link.endpoint): primary addresses \(range.lowerBound)-\(range.upperBound)\(options.searchSecondary ? ", then secondary addresses" : "")\n"
        )
        let progress = Mutex(ScanProgress(total: range.count))
        let result: MBusScanner.Result
        do {
            result = try await MBusScanner.scan(transport, options: options) { event in
                let text = progress.withLock { state -> String? in
                    switch event {
                    case .primary(let address, _, _, let found, let collision):
                        var text = collision ? state.note("primary address \(address): several meters answer") : ""
                        let meter = found.map { "primary address \(address): serial \($0.serialNumber)" }
                        text += state.asked(address: Int(address), foundMeter: meter) ?? ""
                        return text.isEmpty ? nil : text
                    case .secondarySearch:
                        return state.note("searching secondary addresses (longer where meters collide) ...")
                    case .secondary(let meter):
                        return state.note("found: secondary address \(meter.serialNumber)")
                    }
                }
                if let text { Console.progress(text) }
            }
        } catch {
            await transport.close()
            throw error
        }
        await transport.close()
        return result.meters
    }
}
