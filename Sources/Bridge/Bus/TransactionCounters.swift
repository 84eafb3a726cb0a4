/// What the transactions of a bus, or of one meter on it, came to; counted by `BusLine` alone, after the gate
/// is taken, the same way for every protocol.
package struct TransactionCounters: Sendable, Equatable {
    /// Transactions started (the gate was taken and the line was open).
    package var transactions = 0
    /// Transactions that ended without a (complete) reply in time.
    package var timeouts = 0
    /// Replies that failed their checks.
    package var protocolErrors = 0
    /// Refusals by the device (Modbus exception responses).
    package var exceptions = 0
    /// Frames dropped and recovered from on the way to the replies.
    package var recoveries = WireRecoveries()
    /// The time of the last successful transaction, from the gate being taken to the reply.
    package var lastRoundTrip: Duration?

    package init() {}

    /// Counts a transaction's end: `failure` is `nil` when it succeeded after `elapsed`.
    mutating func record(_ failure: TransactionFailure?, elapsed: Duration, recovered: WireRecoveries) {
        transactions += 1
        recoveries = recoveries + recovered
        switch failure {
        case nil: lastRoundTrip = elapsed
        case .timeout: timeouts += 1
        case .protocolError: protocolErrors += 1
        case .exception: exceptions += 1
        case .notCounted: break
        }
    }
}

extension Duration {
    /// The duration in milliseconds, for diagnostics.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
