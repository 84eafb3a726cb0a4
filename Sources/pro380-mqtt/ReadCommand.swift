import ArgumentParser
import Bridge
import Foundation
import PRO380

/// `pro380-mqtt read`: reads one meter once and prints every value, for commissioning on site.
struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read one meter once and print every value.",
        discussion: """
            Examples:
              pro380-mqtt read --modbus-rtu /dev/ttyUSB0 --address 1
              pro380-mqtt read --modbus-tcp 192.0.2.10:502 --address 3 --json
              pro380-mqtt read --mbus-serial /dev/ttyUSB1 --address 0
              pro380-mqtt read --iec62056 /dev/ttyUSB2
            """
    )

    @OptionGroup var bus: BusOptions
    @OptionGroup var meter: MeterAddressOptions

    @Flag(
        help: """
            Print JSON (one object: key -> {value, unit}) instead of a table; a failure is one object too ({"error", \
            what was tried}), its text on standard error.
            """
    )
    var json = false

    @OptionGroup var global: GlobalOptions

    /// The meter's address checked against the bus kind here, not in `run`: a `ValidationError` from `validate`
    /// comes with this subcommand's usage (from `run`, argument-parser shows the top-level one).
    func validate() throws {
        _ = try meter.meter(for: bus.link())
    }

    func run() async throws {
        let logger = global.bootstrapLogging()
        let link = bus.link()
        let configuration = bus.bus(meter: try meter.meter(for: link))
        let session = try BusSession(configuration, logger: logger, use: .oneShot)
        let driver = session.meters[0].driver
        let outcome = await driver.poll(groups: Set(PollGroup.allCases))
        let registerMap = await driver.diagnostics().registerMap
        await session.close()
        if registerMap == .legacyV114, let unit = configuration.meters[0].address {
            let diagnosis = RegisterMap.legacyDiagnosis(unit: unit)
            ReadFailureReport(
                error: diagnosis,
                bus: configuration,
                failures: outcome.failures,
                registerMap: registerMap
            )
            .write(json: json, text: "register map: \(RegisterMap.legacyV114.rawValue)\n\(diagnosis)")
            throw ExitCode(1)
        }
        guard outcome.meterAnswered, !outcome.readings.isEmpty else {
            let reasons = outcome.failures.map(\.reason)
            ReadFailureReport(
                error: ReadFailureReport.couldNotRead(endpoint: link.endpoint, reason: reasons.first),
                bus: configuration,
                failures: outcome.failures
            ).write(json: json)
            throw ExitCode(1)
        }
        print(json ? ReadingTable.json(outcome.readings) : ReadingTable.text(outcome.readings))
        if !json, registerMap == .current {
            print("\nregister map: current (manual A3.2)")
        }
        let refused = outcome.failures.filter { $0.reason.contains("refused") }.flatMap(\.keys)
        if !json && !refused.isEmpty {
            print(
                "\nnot offered by this meter (exception 02; the manual marks these PRO1 only): \(refused.joined(separator: ", "))"
            )
        }
    }
}

/// Readings laid out for people (a table in the register table's order) or machines (JSON).
enum ReadingTable {
    static func ordered(_ readings: [Reading]) -> [Reading] {
        let order = Dictionary(uniqueKeysWithValues: RegisterTable.pro380.definitions.enumerated().map { ($1.key, $0) })
        return readings.sorted { (order[$0.key] ?? Int.max, $0.key) < (order[$1.key] ?? Int.max, $1.key) }
    }

    static func text(_ readings: [Reading]) -> String {
        let rows = ordered(readings)
        let width = rows.map(\.key.count).max() ?? 10
        return rows.map { reading in
            let key = reading.key.padding(toLength: width, withPad: " ", startingAt: 0)
            return "\(key)  \(reading.value.description)\(reading.unit.map { " \($0)" } ?? "")"
        }.joined(separator: "\n")
    }

    static func json(_ readings: [Reading]) -> String {
        JSONValue.object(
            ordered(readings).map { reading in
                (reading.key, .object([("value", JSONValue(reading.value)), ("unit", .string(reading.unit))]))
            }
        ).text(.lines)
    }
}
