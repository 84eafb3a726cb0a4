import Bridge
import Foundation
import Logging
import PRO380
import SerialIO

/// `scan --json`: what a commissioning electrician writes down for each meter found on a bus: where it answers,
/// its serial number, firmware, line settings, combination code and tariff, read from the meter after the scan.
///
/// ```json
/// {"bus": {"kind": "modbus_rtu", "endpoint": "/dev/ttyUSB0", "baud": 9600, "parity": "even"},
///  "meters": [{"address": 1, "secondary_address": null, "serial": "13070001", "firmware": 1.18, "baud": 9600,
///              "parity": "even", "combination_code": 1, "tariff": 1}]}
/// ```
/// A value the meter does not offer over its protocol (M-Bus carries neither the combination code nor the tariff)
/// or did not answer is `null`.
struct CommissioningReport {
    /// One meter found.
    struct Meter {
        var address: Int?
        var secondaryAddress: String?
        var values: [String: MeterValue]
    }

    /// The keys read for each meter, and the report's name for each.
    static let fields: [(key: String, name: String)] = [
        ("serial_number", "serial"), ("software_version", "firmware"), ("baud_rate", "baud"), ("parity", "parity"),
        ("combination_code", "combination_code"), ("tariff", "tariff"),
    ]

    var link: BusLink
    var meters: [Meter]

    /// Reads the report's keys from each found meter (command priority, the bus's default timeout unless given).
    static func read(
        link: BusLink,
        found: [(address: Int?, secondaryAddress: String?)],
        timeout: Duration?,
        logger: Logger
    ) async throws -> CommissioningReport {
        let configurations = found.enumerated().map { index, meter in
            MeterConfiguration(
                name: "meter-\(index + 1)",
                address: meter.address,
                secondaryAddress: meter.secondaryAddress,
                allowCommands: []
            )
        }
        let session = try BusSession(
            BusConfiguration(name: "scan", link: link, timeout: timeout, meters: configurations),
            logger: logger,
            use: .oneShot
        )
        var meters: [Meter] = []
        for (meter, bus) in zip(found, session.meters) {
            let outcome = await bus.driver.read(keys: fields.map(\.key))
            if outcome.readings.isEmpty {
                let place =
                    meter.address.map { "address \($0)" } ?? "secondary address \(meter.secondaryAddress ?? "?")"
                let reason = outcome.failures.first?.reason ?? "no answer"
                Console.progress("warning: the meter at \(place) did not give its settings: \(reason)\n")
            }
            var values = Dictionary(outcome.readings.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            // M-Bus has no register for the line settings: the meter answered at the bus's.
            if case .mbusSerial(_, let settings) = link {
                values["baud_rate"] = values["baud_rate"] ?? .integer(settings.baudRate)
                values["parity"] = values["parity"] ?? .text(settings.parity.rawValue)
            }
            meters.append(Meter(address: meter.address, secondaryAddress: meter.secondaryAddress, values: values))
        }
        await session.close()
        return CommissioningReport(link: link, meters: meters)
    }

    /// The report as JSON text: the bus on one line, each meter on its own.
    var json: String {
        var bus: [(String, JSONValue)] = [("kind", .string(link.configKey)), ("endpoint", .string(link.endpoint))]
        switch link {
        case .modbusRTU(_, let settings), .mbusSerial(_, let settings):
            bus += [("baud", .integer(settings.baudRate)), ("parity", .string(settings.parity.rawValue))]
        default:
            break
        }
        let entries = meters.map { meter -> JSONValue in
            let members: [(String, JSONValue)] = [
                ("address", meter.address.map { .integer($0) } ?? .null),
                ("secondary_address", .string(meter.secondaryAddress)),
            ]
            return .object(members + Self.fields.map { ($0.name, meter.values[$0.key].map(JSONValue.init) ?? .null) })
        }
        return JSONValue.object([("bus", .object(bus)), ("meters", .array(entries))]).text(.lines)
    }
}
