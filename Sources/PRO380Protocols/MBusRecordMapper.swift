package import Foundation
package import MBus
package import PRO380

/// Turns an M-Bus readout into readings with the vocabulary's keys and units. Pure.
///
/// - The fixed header: identification → `serial_number` (text, 8 digits), version → `software_version`
///   (integer), status byte → `error_code` (integer; 00 OK, 02 error by the manual).
/// - A record the PRO380 table knows (`MBusRecordMapping`: function field, tariff, VIF, storage number 0, no
///   subunit, no VIFE) is published under the table's key and unit: VIF 04 is energy in 10 Wh, so `01604814`
///   becomes exactly 16048.14 kWh. The function field is read by the meter's own meaning (0 total, 1 forward,
///   2 reverse; manual A2.2), never as the standard's maximum/minimum.
/// - Any other record is still published, under `unknownRecordKey` (see `docs/mbus.md`), so nothing is lost.
/// - A record whose value is invalid (a BCD digit A to E) is left out and reported as a failure.
package struct MBusRecordMapper: Sendable {
    package let table: RegisterTable

    package init(table: RegisterTable = .pro380) { self.table = table }

    /// The readings and the records refused.
    package struct Result: Sendable, Equatable {
        package var readings: [Reading]
        package var failures: [ReadFailure]
    }

    /// Maps `reading` (received at `time`) for the poll groups in `groups`; header values are identity,
    /// `error_code` comes with every readout (it qualifies the telegram), records by their table row's group and
    /// unknown records with the energy group.
    package func map(_ reading: MBusReading, groups: Set<PollGroup>, time: Date) -> Result {
        var result = Result(readings: [], failures: [])
        if case .long(let header) = reading.header {
            if groups.contains(.identity) {
                result.readings.append(
                    Reading(key: "serial_number", value: .text(header.address.identification), unit: nil, time: time)
                )
                if let version = header.address.version {
                    result.readings.append(
                        Reading(key: "software_version", value: .integer(Int(version)), unit: nil, time: time)
                    )
                }
            }
            result.readings.append(
                Reading(key: "error_code", value: .integer(Int(header.status)), unit: nil, time: time)
            )
        }
        for record in reading.records {
            let row = definition(for: record)
            let group = row?.group ?? .energy
            guard groups.contains(group) else { continue }
            let key = row?.key ?? Self.unknownRecordKey(record)
            if case .invalid(let reason) = record.value {
                result.failures.append(ReadFailure(keys: [key], reason: "invalid M-Bus value: \(reason)"))
                continue
            }
            guard let (value, unit) = Self.publishedValue(record, row: row) else { continue }
            result.readings.append(Reading(key: key, value: value, unit: unit, time: time))
        }
        return result
    }

    /// The table row carrying `record`, if any: same function field, tariff and VIF, storage 0, no subunit, no
    /// VIFE.
    package func definition(for record: MBusDataRecord) -> RegisterDefinition? {
        guard record.dib.storageNumber == 0, record.dib.subunit == 0, record.vib.extensions.isEmpty else { return nil }
        return table.mbusRecords.first { row in
            guard let m = row.mbus else { return false }
            return m.functionField == record.dib.functionField && UInt32(m.tariff) == record.dib.tariff
                && m.vif == record.vib.vif
        }
    }

    /// The key of a record the table does not know:
    /// `mbus_<quantity>[_<qualifier>...]_f<function>_s<storage>_t<tariff>[_u<subunit>]`, all snake_case.
    ///
    /// The function field stays a number because the PRO380 gives it its own meaning (0/1/2 total/forward/
    /// reverse) where the standard says instantaneous/maximum/minimum/error; the number is true either way.
    /// Example: an FD 48 record (voltage, 0.1 V) of function 0, storage 0 → `mbus_voltage_f0_s0_t0`.
    package static func unknownRecordKey(_ record: MBusDataRecord) -> String {
        let description = record.vib.valueDescription
        var parts = ["mbus", snake(description.quantity)]
        parts += description.qualifiers.map(snake)
        parts += ["f\(record.dib.functionField)", "s\(record.dib.storageNumber)", "t\(record.dib.tariff)"]
        if record.dib.subunit != 0 { parts.append("u\(record.dib.subunit)") }
        return parts.filter { !$0.isEmpty }.joined(separator: "_")
    }

    /// The value in the published unit: the table row's unit for known records (Wh → kWh), else the
    /// description's unit with energy in Wh turned into kWh like the vocabulary. `nil` for records without value.
    static func publishedValue(_ record: MBusDataRecord, row: RegisterDefinition?) -> (MeterValue, String?)? {
        let description = record.vib.valueDescription
        switch record.value {
        case .none, .invalid: return nil
        case .text(let text): return (.text(text), description.unit)
        case .date(let date): return (.text(date.description), nil)
        case .bytes(let bytes): return (.text(bytes.map { String(format: "%02X", $0) }.joined()), nil)
        case .number:
            guard let scaled = record.scaledValue else { return nil }
            if description.unit == "Wh", row?.unit == "kWh" || row == nil {
                return (.decimal(scaled / 1000), "kWh")
            }
            if let row { return (.decimal(scaled), row.unit) }
            return (.decimal(scaled), description.unit)
        }
    }

    private static func snake(_ text: String) -> String {
        var out = ""
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar), scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("_") {
                out += "_"
            }
        }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }
}
