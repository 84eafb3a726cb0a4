/// Figures the benchmark takes from the bridge's own log (its text format: `key=value` metadata before the
/// message), for what a subscriber cannot tell apart.
package enum BridgeLogFigures {
    /// The message `MeterPoller` logs once per poll that a shutdown cut between its transactions.
    static let cutMessage = "shutdown cut the poll short"

    /// Readings the bridge never read because its stop cut a meter's poll between transactions: the sum of
    /// `not_read` over every "shutdown cut the poll short" line of `log`. The subscriber sees those topics one
    /// short of the poll's others; the counter alone would call that a loss.
    package static func readingsCutByStop(log: String) -> Int {
        log.split(separator: "\n").reduce(0) { total, line in
            guard line.contains(cutMessage) else { return total }
            let field = line.split(separator: " ").first { $0.hasPrefix("not_read=") }
            return total + (field.flatMap { Int($0.dropFirst("not_read=".count)) } ?? 0)
        }
    }
}
