package import PRO380

/// Decides which of a meter's read failures to log: each distinct failure when it first appears, not again while
/// the trouble lasts (a meter that keeps timing out, a gateway that keeps refusing the connection, a reconnect
/// back-off that alternates with the refusal); after a poll without failures, a failure is news again. A value
/// (house style rule 7): the poller logs what it returns.
package struct FailureLog: Sendable {
    private var logged: Set<String> = []

    package init() {}

    /// The failures of this poll that are new. Failures the meter's refusal explains are left out: the driver logged
    /// those once (`ReadFailure.refusedByMeter`).
    package mutating func news(_ failures: [ReadFailure]) -> [ReadFailure] {
        let relevant = failures.filter { !$0.refusedByMeter }
        guard !relevant.isEmpty else {
            logged = []
            return []
        }
        return relevant.filter { logged.insert($0.description).inserted }
    }
}
