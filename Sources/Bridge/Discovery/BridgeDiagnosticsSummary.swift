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

    /// `"queued_messages": 12, "dropped_messages": 0, "meters_online": 2, "poll_cycle_time": 0.412,
    /// "errors": {...}, "outbox": {...}`: members of the bridge object.
    var members: [(String, JSONValue)] {
        let statistics = outbox ?? Outbox.Statistics(count: 0, bytes: 0, oldest: nil, drops: Outbox.Drops())
        return [
            ("queued_messages", .integer(statistics.count)),
            ("dropped_messages", .integer(statistics.drops.total)),
            ("meters_online", .integer(metersOnline)),
            ("poll_cycle_time", pollCycleTime.map { .fixed($0, digits: 3) } ?? .null),
            (
                "errors",
                .object([
                    ("timeouts", .integer(timeouts)),
                    ("protocol_errors", .integer(protocolErrors)),
                    ("exceptions", .integer(exceptions)),
                    ("rejected_values", .integer(rejectedValues)),
                ])
            ),
            ("outbox", outboxMember(statistics)),
        ]
    }

    /// `{"messages": 12, "bytes": 2204, "oldest_age": 3.2, "dropped": {"max_bytes": 0, "max_age": 0,
    /// "write_failed": 0}}`.
    private func outboxMember(_ statistics: Outbox.Statistics) -> JSONValue {
        let drops = statistics.drops
        return .object([
            ("messages", .integer(statistics.count)),
            ("bytes", .integer(statistics.bytes)),
            ("oldest_age", outboxOldestAge.map { .fixed($0, digits: 1) } ?? .null),
            (
                "dropped",
                .object([
                    ("max_bytes", .integer(drops.maxBytes)),
                    ("max_age", .integer(drops.maxAge)),
                    ("write_failed", .integer(drops.writeFailed)),
                ])
            ),
        ])
    }
}
