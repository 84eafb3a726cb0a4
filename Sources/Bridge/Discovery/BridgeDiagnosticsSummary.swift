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

    /// `"meters_online": 2, "poll_cycle_time": 0.412, "errors": {...}` (no braces: members of the bridge object).
    var jsonFields: String {
        let cycle = pollCycleTime.map { String(format: "%.3f", $0) } ?? "null"
        let errors =
            "{\"timeouts\": \(timeouts), \"protocol_errors\": \(protocolErrors), \"exceptions\": \(exceptions), \"rejected_values\": \(rejectedValues)}"
        return "\"meters_online\": \(metersOnline), \"poll_cycle_time\": \(cycle), \"errors\": \(errors)"
    }
}
