import Foundation
import Outbox

/// The bridge-wide figures in `<base>/bridge/<client_id>/diagnostics` that Home Assistant shows as the bridge
/// device's diagnostic sensors (`BridgeDiscovery`): meters online, poll cycle time, errors by kind, the outbox.
struct BridgeDiagnosticsSummary: Sendable, Equatable {
    var metersOnline = 0
    /// The longest last poll over all meters, in seconds (a bus polls its meters in turn).
    var pollCycleTime: Double?
    var timeouts = 0
    var protocolErrors = 0
    var exceptions = 0
    var rejectedValues = 0
    /// The outbox's figures and the age of its oldest message in seconds (nil when empty).
    var outbox: Outbox.Statistics?
    var outboxOldestAge: Double?

    /// Records the outbox's figures at `now`.
    mutating func add(_ statistics: Outbox.Statistics, now: Date = Date()) {
        outbox = statistics
        outboxOldestAge = statistics.oldest.map { max(0, now.timeIntervalSince($0)) }
    }

    mutating func add(_ diagnostics: MeterDiagnostics, entry: MeterLedger.Entry) {
        if entry.online == true { metersOnline += 1 }
        if let poll = entry.lastPoll {
            let seconds = Double(poll.components.seconds) + Double(poll.components.attoseconds) / 1e18
            pollCycleTime = max(pollCycleTime ?? 0, seconds)
        }
        timeouts += diagnostics.timeouts
        protocolErrors += diagnostics.protocolErrors
        exceptions += diagnostics.exceptions
        rejectedValues += diagnostics.rejectedValues
    }

    /// `"meters_online": 2, "poll_cycle_time": 0.412, "errors": {...}, "queued_messages": 0, "dropped_messages": 0,
    /// "outbox": {...}` (no braces: members of the bridge object).
    var jsonFields: String {
        let cycle = pollCycleTime.map { String(format: "%.3f", $0) } ?? "null"
        let errors =
            "{\"timeouts\": \(timeouts), \"protocol_errors\": \(protocolErrors), \"exceptions\": \(exceptions), \"rejected_values\": \(rejectedValues)}"
        return
            "\"meters_online\": \(metersOnline), \"poll_cycle_time\": \(cycle), \"errors\": \(errors), \(outboxFields)"
    }

    /// `"queued_messages": 12, "dropped_messages": 0, "outbox": {"messages": 12, "bytes": 2204, "oldest_age": 3.2,
    /// "dropped": {"max_bytes": 0, "max_age": 0, "write_failed": 0}}`.
    private var outboxFields: String {
        let statistics = outbox ?? Outbox.Statistics(count: 0, bytes: 0, oldest: nil, drops: Outbox.Drops())
        let age = outboxOldestAge.map { String(format: "%.1f", $0) } ?? "null"
        let drops = statistics.drops
        let dropped =
            "{\"max_bytes\": \(drops.maxBytes), \"max_age\": \(drops.maxAge), \"write_failed\": \(drops.writeFailed)}"
        return
            "\"queued_messages\": \(statistics.count), \"dropped_messages\": \(drops.total), \"outbox\": {\"messages\": \(statistics.count), \"bytes\": \(statistics.bytes), \"oldest_age\": \(age), \"dropped\": \(dropped)}"
    }
}
