import Foundation
package import PRO380

/// A meter as the poller and the command handler see it, whatever protocol reaches it.
///
/// Purpose: the Modbus, M-Bus and IEC 62056-21 drivers each turn their protocol's frames into `Reading`s with the
/// vocabulary's keys and units; nothing above this protocol knows about frames, and nothing below it knows MQTT.
/// A driver runs its transactions through its bus's `BusGate`, one at a time, so a command that arrives during a
/// poll runs at the next transaction boundary.
package protocol MeterDriver: Sendable {
    /// Reads every key of `groups` now.
    /// - Returns: the readings that decoded and passed their checks, the failures, and whether the meter answered
    ///   at all (an exception or refusal is an answer; a timeout or a corrupt frame is not).
    func poll(groups: Set<PollGroup>) async -> PollOutcome

    /// Reads the given keys now (an MQTT `get`), with command priority.
    func read(keys: [String]) async -> PollOutcome

    /// Writes a validated command with command priority, then confirms it: reads the register back where the
    /// meter has one (answering only when it matches), else takes the meter's acknowledgement as confirmation.
    /// - Throws: `CommandError` saying whether the meter refused, timed out, or read back another value.
    func write(_ command: MeterCommand) async throws -> CommandConfirmation

    /// The keys this meter has refused (PRO1-only rows), so discovery and `get` can leave them out.
    func refusedKeys() async -> Set<String>

    /// The counters behind `<base>/<meter>/diagnostics`.
    func diagnostics() async -> MeterDiagnostics
}

/// What one poll brought.
package struct PollOutcome: Sendable {
    /// Readings that decoded and passed the plausibility checks.
    package var readings: [Reading]
    /// Keys that could not be read this time, with the reason (logged; never published as values).
    package var failures: [ReadFailure]
    /// Whether the meter answered at least one transaction (availability counts this).
    package var meterAnswered: Bool

    package init(readings: [Reading] = [], failures: [ReadFailure] = [], meterAnswered: Bool) {
        self.readings = readings
        self.failures = failures
        self.meterAnswered = meterAnswered
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

    package var description: String { "\(keys.joined(separator: ", ")): \(reason)" }
}

/// Per-meter counters, published retained under `<base>/<meter>/diagnostics`.
package struct MeterDiagnostics: Sendable, Equatable {
    package var polls = 0
    package var failedPolls = 0
    package var transactions = 0
    package var timeouts = 0
    /// Corrupt replies: bad CRC or checksum, wrong unit, function, length or transaction id, echoes.
    package var protocolErrors = 0
    /// Device answers that refused a request (Modbus exceptions, M-Bus NAK).
    package var exceptions = 0
    /// Values refused after decoding (implausible, a counter that fell).
    package var rejectedValues = 0
    package var strayBytes = 0
    package var lastRoundTripMilliseconds: Double?

    package init() {}

    /// The JSON object, keys in a stable order.
    package var json: String {
        var fields = [
            "\"polls\": \(polls)", "\"failed_polls\": \(failedPolls)", "\"transactions\": \(transactions)",
            "\"timeouts\": \(timeouts)", "\"protocol_errors\": \(protocolErrors)", "\"exceptions\": \(exceptions)",
            "\"rejected_values\": \(rejectedValues)", "\"stray_bytes\": \(strayBytes)",
        ]
        fields.append(
            "\"last_round_trip_ms\": " + (lastRoundTripMilliseconds.map { String(format: "%.1f", $0) } ?? "null")
        )
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
