/// A meter's online/offline state: offline after `offlineAfter` failed polls in a row, online at the next good one.
///
/// A value that returns what to publish (house style rule 7), so the rule is tested without I/O.
package struct MeterAvailability: Sendable, Equatable {
    package enum State: String, Sendable, Equatable { case unknown, online, offline }

    package private(set) var state: State = .unknown
    package private(set) var consecutiveFailures = 0
    package let offlineAfter: Int

    package init(offlineAfter: Int) { self.offlineAfter = max(1, offlineAfter) }

    /// Records a good poll. Returns `.online` when the availability topic must change to online.
    package mutating func recordSuccess() -> State? {
        consecutiveFailures = 0
        guard state != .online else { return nil }
        state = .online
        return .online
    }

    /// Records a failed poll. Returns `.offline` when the availability topic must change to offline.
    package mutating func recordFailure() -> State? {
        consecutiveFailures += 1
        guard consecutiveFailures >= offlineAfter, state != .offline else { return nil }
        state = .offline
        return .offline
    }
}
