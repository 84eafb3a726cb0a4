import DequeModule

/// Which stored messages go out next, in which order and with which retain flag: the outbox's sending logic as a
/// value with no I/O. The publisher feeds it events (connected, appended, read, sent) and carries out what it says.
///
/// Two lanes, both reading the store in id order:
/// - **replay**: what was stored before the current connection came up (ids below `boundary`): the backlog of an
///   outage or of the previous run, paced by a `ReplayPacer`;
/// - **live**: what is appended while connected, sent at once, so live readings keep flowing during a replay.
///
/// Rules that keep the broker's retained value the newest one:
/// - At most one message per topic is in flight (handed to the client and not yet acknowledged): a later message of
///   a topic never overtakes an earlier one on the wire, also across a reconnect (the client resends its in-flight
///   QoS 1 messages before anything newer of that topic is handed over), and within a lane each topic keeps its order.
///   Messages the client took before they were stored (`adoptInFlight`) may be several of a topic in flight; the
///   client sends them in the order it took them, and the plan hands over nothing of their topics until all are in.
/// - A message meant to be retained goes out retained only if it is the newest ever stored for its topic (`newest`,
///   kept in the store's `head` table across restarts); an older one (replayed after a newer one was sent, or with a
///   newer one still waiting) goes out with retain = false. So the last retained publication of a topic is always its
///   newest message.
/// - A state (`OutboxMessage.latestOnly`: availability, diagnostics) in the replay lane that is not its topic's
///   newest is finished without being sent (`superseded`): its old value would tell subscribers something no longer
///   true after a newer one (a restart's replayed `offline` after this run's `online`). Readings keep their replay:
///   each carries its own time, and their history matters. The live lane sends everything: what it holds happened
///   while connected, in order.
package struct DrainPlan: Sendable {
    /// What to publish.
    package struct Send: Sendable, Equatable {
        package var entry: OutboxEntry
        /// The retain flag to publish with.
        package var retain: Bool
        package var lane: Lane
    }

    package enum Lane: Sendable, Equatable { case live, replay }

    /// What the publisher should do next.
    package enum Next: Sendable, Equatable {
        case send(Send)
        /// The replay has messages but the pacer has no token before this instant.
        case wait(until: ContinuousClock.Instant)
        /// Nothing can go now (all sent, blocked behind an in-flight message of the same topic, or disconnected).
        case idle
    }

    /// How a publication ended.
    package enum Outcome: Sendable, Equatable {
        /// Acknowledged (QoS 1) or handed to the client (QoS 0): forget it.
        case delivered
        /// Refused for good by the broker or the client (a topic or payload it will never take): forget it too.
        case refused
        /// Not handed over (not connected, or shut down): it stays stored and is sent again from the store.
        case notSent
    }

    /// A store read the publisher should make: `after < id < before`, at most `limit`.
    package struct Read: Sendable, Equatable {
        package var lane: Lane
        package var after: Int64
        package var before: Int64
        package var limit: Int
    }

    struct LaneState: Sendable {
        var buffer: Deque<OutboxEntry> = []
        /// The highest id read from the store into this lane (or known to be gone).
        var cursor: Int64 = 0
        /// The replay lane read everything below `boundary` (the live lane compares `cursor` with `lastStoredID`).
        var exhausted = true
    }

    /// How many messages a lane holds in memory at most.
    package let bufferLimit: Int
    /// How many messages may be in flight at once.
    package let window: Int
    package internal(set) var connected = false
    /// Ids below go through the replay lane, ids from here on through the live lane.
    package internal(set) var boundary: Int64 = 1
    /// The highest id known to be stored.
    package internal(set) var lastStoredID: Int64
    var replay = LaneState()
    var live = LaneState()
    var pacer: ReplayPacer
    /// In flight: id → topic.
    var inFlight: [Int64: String] = [:]
    /// How many messages of each topic are in flight: one at most for what the plan handed over, more only when the
    /// publisher stored several that the client already had in flight (`adoptInFlight`).
    var inFlightTopics: [String: Int] = [:]
    /// Delivered, refused or superseded, not yet deleted from the store (a store read may still return them).
    package internal(set) var finished: Set<Int64> = []
    /// How many replayed states were finished without being sent since the plan was made, a newer message of their
    /// topic being stored.
    package internal(set) var superseded = 0
    /// The newest id stored per topic.
    var newest: [String: Int64]

    /// - Parameters:
    ///   - lastStoredID: the store's highest id so far (`Outbox.lastID`).
    ///   - newest: the newest id per topic (`Outbox.newestAtOpen`).
    ///   - replayRate: replay messages per second.
    package init(
        lastStoredID: Int64,
        newest: [String: Int64],
        replayRate: Double,
        bufferLimit: Int = 256,
        window: Int = 64
    ) {
        self.lastStoredID = lastStoredID
        self.newest = newest
        pacer = ReplayPacer(rate: replayRate)
        self.bufferLimit = bufferLimit
        self.window = window
    }

    /// The replay's pace, messages per second.
    package var replayRate: Double { pacer.rate }

    /// How many messages are in flight.
    package var inFlightCount: Int { inFlight.count }

    /// Live messages stored and not yet handed to the client: in the live lane's buffer or still to be read from
    /// the store (0 while disconnected). What the publisher's backpressure bounds.
    package var liveQueued: Int {
        guard connected else { return 0 }
        return live.buffer.count + Int(clamping: max(0, lastStoredID - live.cursor))
    }

    /// The replay lane has read and sent everything below `boundary` (nothing is left to replay).
    package var replayDone: Bool { replay.exhausted && replay.buffer.isEmpty }

    /// Connected, and nothing stored waits or is in flight: every stored message was handed over (none buffered,
    /// none left to read, the replay done). A message handed over now without being stored cannot overtake a
    /// stored one of its topic, nor be overtaken by one (`Publisher`'s QoS 0 hand-off).
    package var isIdle: Bool {
        connected && inFlight.isEmpty && live.buffer.isEmpty && live.cursor >= lastStoredID && replayDone
    }
}
