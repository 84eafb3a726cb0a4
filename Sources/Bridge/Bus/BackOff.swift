/// When something that failed may be tried again: at the next chance after the first failure (a gateway that was
/// restarting is read on the next poll, a single lost reply costs nothing), then 1 s, 2 s, 4 s ... up to `longest`
/// after each further failure, and without delay again after a success.
///
/// Two users: a `BusLine` whose transport failed to open (transactions fail at once meanwhile instead of hammering
/// a vanished device or a gateway that refuses connections), and a `PollSchedule` whose meter stopped answering
/// (no poll is started meanwhile, so a dead meter costs its bus one timeout per back-off period).
struct BackOff: Sendable {
    /// The longest wait of a bus's transport.
    static let longest: Duration = .seconds(30)

    /// The longest wait after repeated failures.
    let longest: Duration
    private(set) var retryAt: ContinuousClock.Instant?
    private(set) var delay: Duration = .zero

    init(longest: Duration = Self.longest) { self.longest = longest }

    /// Whether a try is allowed at `now`.
    func allowsOpen(at now: ContinuousClock.Instant) -> Bool { retryAt.map { now >= $0 } ?? true }

    /// Records a failure at `now`; returns the wait before the next try.
    mutating func failed(at now: ContinuousClock.Instant) -> Duration {
        let wait = delay
        retryAt = now + wait
        delay = delay == .zero ? min(.seconds(1), longest) : min(delay * 2, longest)
        return wait
    }

    /// Records a success.
    mutating func succeeded() {
        retryAt = nil
        delay = .zero
    }
}
