/// When a bus whose transport failed to open may try again: at the next transaction after the first failure (a
/// gateway that was restarting is read on the next poll), then 1 s, 2 s, 4 s ... up to 30 s after each further
/// failed open, and without delay again after a successful one. Meanwhile transactions fail at once instead of
/// hammering a vanished device or a gateway that refuses connections.
struct BackOff: Sendable {
    static let longest: Duration = .seconds(30)

    private(set) var retryAt: ContinuousClock.Instant?
    private(set) var delay: Duration = .zero

    /// Whether an open may be tried at `now`.
    func allowsOpen(at now: ContinuousClock.Instant) -> Bool { retryAt.map { now >= $0 } ?? true }

    /// Records a failed open at `now`; returns the wait before the next try.
    mutating func failed(at now: ContinuousClock.Instant) -> Duration {
        let wait = delay
        retryAt = now + wait
        delay = delay == .zero ? .seconds(1) : min(delay * 2, Self.longest)
        return wait
    }

    /// Records a successful open.
    mutating func succeeded() {
        retryAt = nil
        delay = .zero
    }
}
