/// A token bucket that paces the replay of a backlog: `rate` messages per second on average, at most `burst` at
/// once. Pure: the caller passes the time.
package struct ReplayPacer: Sendable, Equatable {
    /// Messages per second.
    package let rate: Double
    /// The most tokens the bucket holds.
    package let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant?

    /// - Parameters:
    ///   - rate: messages per second, more than 0.
    ///   - burst: defaults to a tenth of a second's worth (at least 1).
    package init(rate: Double, burst: Double? = nil) {
        precondition(rate > 0, "a replay rate must be positive")
        self.rate = rate
        self.burst = max(1, burst ?? rate / 10)
        tokens = self.burst
    }

    /// Takes one token if there is one at `now`.
    package mutating func take(at now: ContinuousClock.Instant) -> Bool {
        refill(at: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token will be there (`now` if there is one).
    package mutating func nextToken(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        refill(at: now)
        guard tokens < 1 else { return now }
        return now + .milliseconds(Int64(((1 - tokens) / rate * 1000).rounded(.up)))
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        if let updated, now > updated {
            let elapsed = (now - updated).seconds
            tokens = min(burst, tokens + elapsed * rate)
        }
        if updated.map({ now > $0 }) ?? true { updated = now }
    }
}
