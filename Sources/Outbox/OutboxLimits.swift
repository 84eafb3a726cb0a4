package import Foundation

/// The bounds of an outbox: the oldest messages are dropped (and counted) when either is exceeded.
package struct OutboxLimits: Sendable, Equatable {
    /// The most bytes the stored messages may count (`OutboxMessage.size` summed).
    package var maxBytes: Int
    /// The oldest a stored message may get, measured from when it was appended.
    package var maxAge: Duration

    package init(maxBytes: Int, maxAge: Duration) {
        self.maxBytes = maxBytes
        self.maxAge = maxAge
    }
}

/// What to drop: every message appended before `olderThan`, then the oldest ones until `bytesToFree` are freed.
package struct OutboxTrim: Sendable, Equatable {
    package var olderThan: Date?
    package var bytesToFree: Int

    package init(olderThan: Date?, bytesToFree: Int) {
        self.olderThan = olderThan
        self.bytesToFree = bytesToFree
    }
}

/// The outbox's size and age as far as the bounds care, kept up to date by the outbox at every change, and the
/// decision of what to drop. Pure: no I/O.
package struct OutboxBudget: Sendable, Equatable {
    package var limits: OutboxLimits
    /// Messages stored.
    package var count = 0
    /// Their `OutboxMessage.size`, summed.
    package var bytes = 0
    /// When the oldest stored message was appended; nil when empty.
    package var oldest: Date?

    package init(limits: OutboxLimits, count: Int = 0, bytes: Int = 0, oldest: Date? = nil) {
        self.limits = limits
        self.count = count
        self.bytes = bytes
        self.oldest = oldest
    }

    /// What to drop at `now` once `incoming` more bytes are stored, or nil when the bounds hold.
    ///
    /// A full outbox frees its excess plus 1/64 of `maxBytes`, so that appending to a full outbox drops old messages
    /// about once per 1.5 % of the bound instead of at every append (each trim is a scan from the oldest row).
    package func trim(now: Date, incoming: Int = 0) -> OutboxTrim? {
        let cutoff = now.addingTimeInterval(-limits.maxAge.seconds)
        let expired = oldest.map { $0 < cutoff } ?? false
        let excess = bytes + incoming - limits.maxBytes
        guard expired || excess > 0 else { return nil }
        return OutboxTrim(
            olderThan: expired ? cutoff : nil,
            bytesToFree: excess > 0 ? excess + limits.maxBytes / 64 : 0
        )
    }

    /// The age of the oldest stored message at `now`, nil when empty.
    package func oldestAge(now: Date) -> TimeInterval? {
        oldest.map { max(0, now.timeIntervalSince($0)) }
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
