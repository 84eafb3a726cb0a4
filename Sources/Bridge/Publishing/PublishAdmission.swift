import DequeModule

/// Backpressure between the pollers and the broker: a poll's readings are stored only while the live messages
/// waiting for the broker stay within a bound; otherwise the poller waits its turn (first come, first served).
///
/// Flat out (many meters, or QoS 1 waiting for PUBACKs) the pollers can produce readings faster than the broker
/// takes them. Without a bound the live queue grows without end: the messages no longer fit the drain's buffer and
/// take the detour through a store read, and the queue (not the bus) sets the cycle. With it, a poller waits while
/// `queued + admitted + count > bound` (the live lane's buffer, so every admitted poll joins it directly).
///
/// A poll also waits while stored live messages are ahead of it (`storedAhead`: in flight or not yet handed over,
/// the replay done), so that it goes to the broker without the store once they are acknowledged. Otherwise a poll
/// that came while anything stored was in flight was stored too, and flat out the next poll always came before the
/// last one's acknowledgements: from the first stored poll on (at start-up, the one that comes while what was
/// stored during the connect is replayed; after an outage, its polls) every poll went through the store, a SQLite
/// transaction each (docs/performance.md, stop 27).
///
/// Never a drop and never a stall for good: the gate holds only while the publisher drains and the client is
/// connected (in an outage the outbox takes everything, as before); a poll that is alone (nothing queued or
/// admitted) always goes, however large; and a poller that waited `longestWait` goes anyway (a connected broker
/// that stops acknowledging is an outage the outbox absorbs). A poller waits in the publisher, after its bus
/// transaction, so the other meters of its bus keep being read. Pure: the publisher feeds it the queue's size.
struct PublishAdmission: Sendable {
    /// A poller waiting for room.
    struct Waiter: Sendable, Equatable {
        var id: Int
        var count: Int
        var deadline: ContinuousClock.Instant
    }

    /// How many live messages may wait for the broker (stored and not yet handed over, plus those admitted and
    /// not yet stored) before a poller waits.
    let bound: Int
    /// The longest a poller waits for room.
    let longestWait: Duration
    /// Messages admitted and not yet stored.
    private(set) var admitted = 0
    private(set) var waiting: Deque<Waiter> = []
    private var nextID = 0

    init(bound: Int, longestWait: Duration) {
        self.bound = bound
        self.longestWait = longestWait
    }

    /// Asks to store `count` messages while `queued` live messages wait for the broker.
    /// - Parameters:
    ///   - holding: whether the gate holds at all (draining and connected).
    ///   - storedAhead: whether stored live messages are still ahead of the poll (in flight or not yet handed over)
    ///     where, once they are acknowledged, the poll would go without the store; it then waits for them.
    /// - Returns: nil when they may be stored now (then counted in `admitted` until `stored`), else the id of the
    ///   waiter to resume once `admit` returns it.
    mutating func request(
        _ count: Int,
        queued: Int,
        storedAhead: Bool = false,
        holding: Bool,
        now: ContinuousClock.Instant
    ) -> Int? {
        if waiting.isEmpty, !holding || fits(count, queued: queued, storedAhead: storedAhead) {
            admitted += count
            return nil
        }
        nextID += 1
        waiting.append(Waiter(id: nextID, count: count, deadline: now + longestWait))
        return nextID
    }

    /// The waiters that may go now, in the order they came: while they fit, and any whose wait is over.
    mutating func admit(
        queued: Int,
        storedAhead: Bool = false,
        holding: Bool,
        now: ContinuousClock.Instant
    ) -> [Int] {
        var ids: [Int] = []
        while let first = waiting.first,
            !holding || first.deadline <= now || fits(first.count, queued: queued, storedAhead: storedAhead)
        {
            waiting.removeFirst()
            admitted += first.count
            ids.append(first.id)
        }
        return ids
    }

    /// Admitted messages were stored (or could not be): they count in `queued` from now on.
    mutating func stored(_ count: Int) {
        admitted -= count
    }

    /// Lets a waiter go at once whatever the queue (its task was cancelled: shutdown stores what it has); returns
    /// whether it was still waiting. Its messages count in `admitted` like any other's.
    mutating func release(_ id: Int) -> Bool {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return false }
        admitted += waiting.remove(at: index).count
        return true
    }

    /// When the first waiter's wait ends, if any waits.
    var nextDeadline: ContinuousClock.Instant? { waiting.first?.deadline }

    private func fits(_ count: Int, queued: Int, storedAhead: Bool) -> Bool {
        guard !storedAhead else { return false }
        let ahead = queued + admitted
        return ahead == 0 || ahead + count <= bound
    }
}
