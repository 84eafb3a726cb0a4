import Logging
import Outbox

/// The log line for what the outbox's replay lane holds when a connection comes up, told as it is.
///
/// At a connection the replay lane takes every message stored so far (`DrainPlan.connect`). At the first connection
/// of a run those include the bridge's own start-up messages (its state, diagnostics, discovery configs, the first
/// readings) stored while the client was connecting. They are not a backlog: counting them made a new, empty outbox
/// log "replaying 4 stored messages". The backlog of a first connection is what was stored before this start:
/// `storedAtOpen` less the drops since (a bound drops the oldest first, and nothing is delivered before the first
/// connection). At a later connection everything stored waited through the outage.
struct BacklogReport: Sendable, Equatable {
    /// Whether this is the run's first connection.
    var firstConnection: Bool
    /// What the outbox holds now.
    var stored: Int
    /// What it held when it was opened (`Outbox.statisticsAtOpen`).
    var storedAtOpen: Int
    /// What the bounds dropped since it was opened.
    var droppedSinceOpen: Outbox.Drops
    /// The replay lane's pace, messages per second.
    var replayRate: Double
    /// Stored state messages that a newer one of their topic supersedes: counted in `stored`, never sent.
    var superseded = 0

    /// The messages from before this start still stored (first connection only; 0 at a later one).
    var fromBeforeStart: Int {
        guard firstConnection else { return 0 }
        return min(stored, max(0, storedAtOpen - droppedSinceOpen.maxBytes - droppedSinceOpen.maxAge))
    }

    /// The superseded states are the oldest of their topic, so they are counted off the earlier messages first.
    private var skippedBeforeStart: Int { min(superseded, fromBeforeStart) }

    /// What the replay will send: everything stored but the superseded states.
    private var toSend: Int { max(0, stored - superseded) }

    /// The note on the superseded states, when there are any.
    private var skippedNote: String {
        guard superseded > 0 else { return "" }
        return "; \(superseded) older state messages are not sent (a newer one of their topic is stored)"
    }

    /// The line, or nil when nothing is stored.
    var line: String? {
        guard toSend > 0 else { return nil }
        let pace = "at \(replayRate) messages/s; live readings go at once meanwhile"
        guard firstConnection else { return "outbox: replaying \(toSend) stored messages \(pace)\(skippedNote)" }
        let before = fromBeforeStart - skippedBeforeStart
        let since = toSend - before
        guard before > 0 else {
            return
                "outbox: sending \(since) messages stored since the start while connecting, at \(replayRate) messages/s"
                + skippedNote
        }
        let then = since > 0 ? ", then \(since) stored since the start while connecting," : ""
        return "outbox: replaying \(before) messages stored before this start\(then) \(pace)\(skippedNote)"
    }

    /// A backlog is a notice; this run's own messages queued while connecting are a detail (debug).
    var level: Logger.Level { firstConnection && fromBeforeStart - skippedBeforeStart == 0 ? .debug : .notice }
}
