package import Foundation

/// One normalized value read from a meter: a vocabulary key, its value in the published unit and when it was read.
///
/// Every protocol driver produces readings; the publisher turns them into `<base>/<meter>/<key>` payloads. The key
/// and unit come from `RegisterTable` (or, for records and OBIS lines the table does not know, from the driver's
/// description of them), never from the protocol's own names.
package struct Reading: Sendable, Equatable, Hashable {
    /// The vocabulary key, snake_case: `voltage_l1`, `forward_active_energy_t1`, `obis_96_1_3`.
    package var key: String
    /// The value in the published unit.
    package var value: MeterValue
    /// The published unit (`V`, `kWh`, ...), `nil` for unitless values.
    package var unit: String?
    /// When the value was read from the meter (the reply's arrival time).
    package var time: Date

    package init(key: String, value: MeterValue, unit: String?, time: Date) {
        self.key = key
        self.value = value
        self.unit = unit
        self.time = time
    }
}

/// Keys that failed to read, and why.
package struct ReadFailure: Sendable, Equatable, CustomStringConvertible {
    package var keys: [String]
    package var reason: String
    /// The meter refused the keys (Modbus exception 02 on the value alone): the driver logged it and does not ask
    /// again until its re-probe, so the poller does not log it again.
    package var refusedByMeter: Bool

    package init(keys: [String], reason: String, refusedByMeter: Bool = false) {
        self.keys = keys
        self.reason = reason
        self.refusedByMeter = refusedByMeter
    }

    package var description: String { keys.isEmpty ? reason : "\(keys.joined(separator: ", ")): \(reason)" }
}
