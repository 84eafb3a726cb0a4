import Foundation

/// The bridge-wide figures in `<base>/bridge/<client_id>/diagnostics` that Home Assistant shows as the bridge
/// device's diagnostic sensors (`BridgeDiscovery`): meters online, poll cycle time, errors by kind.
struct BridgeDiagnosticsSummary: Sendable, Equatable {
    var metersOnline = 0
    /// The longest last poll over all meters, in seconds (a bus polls its meters in turn).
    var pollCycleTime: Double?
    var timeouts = 0
    var protocolErrors = 0
    var exceptions = 0
    var rejectedValues = 0

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

    /// `"meters_online": 2, "poll_cycle_time": 0.412, "errors": {...}`: members of the bridge object.
    var members: [(String, JSONValue)] {
        [
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
        ]
    }
}
