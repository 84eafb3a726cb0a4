package import PRO380

/// Decides what to log of a meter's held-back energy counters (`CounterGuard`), once per episode instead of once
/// per key and poll (after a meter's counters were reset, that was 170 lines in 30 s).
///
/// An episode begins at the first poll in which a counter fell: that poll is logged (a warning naming the first
/// key, what was read and what was last published, and how many counters fell). While it lasts, nothing more but
/// debug lines. It ends at the first poll that read energy counters and held none back; that is logged too, with
/// how many readings were held back meanwhile. A value (house style rule 7): the poller logs what it returns.
package struct CounterFallLog: Sendable {
    /// One counter held back: its key, the value read and the last published value it fell below.
    package struct Fall: Sendable, Equatable {
        package var key: String
        package var read: MeterValue
        package var last: Double

        package init(key: String, read: MeterValue, last: Double) {
            self.key = key
            self.read = read
            self.last = last
        }
    }

    /// What to log after a poll.
    package enum Line: Sendable, Equatable {
        /// An episode began: the first counter held back, and how many fell in this poll.
        case began(first: Fall, fell: Int)
        /// An episode ended: the readings held back during it.
        case ended(heldBack: Int)
    }

    /// Readings held back since the episode began; nil when no episode is under way.
    package private(set) var heldBack: Int?

    package init() {}

    /// Records one poll: `falls` are the counters it held back, `counters` how many energy counters it read.
    package mutating func poll(falls: [Fall], counters: Int) -> Line? {
        if let first = falls.first {
            defer { heldBack = (heldBack ?? 0) + falls.count }
            return heldBack == nil ? .began(first: first, fell: falls.count) : nil
        }
        guard counters > 0, let held = heldBack else { return nil }
        heldBack = nil
        return .ended(heldBack: held)
    }
}
