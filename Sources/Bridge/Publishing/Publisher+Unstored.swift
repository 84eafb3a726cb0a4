import MQTT
import Outbox

/// A poll of QoS 1 readings handed to the client without being stored (`Publisher.handWithoutStoring`), kept until
/// its acknowledgements are in.
struct UnstoredBatch: Sendable {
    /// The messages, in the order handed over (the batch's draft order).
    var messages: [OutboxMessage]
    /// The client's ticket for their acknowledgements.
    var batch: PublishBatch
    var handedAt: ContinuousClock.Instant
}

/// QoS 1 readings that skip the store: write-behind instead of write-ahead.
///
/// While nothing stored waits, a poll's QoS 1 readings go straight to libmosquitto and are remembered here, not
/// stored. Checked at every poll (one lock per batch, no task, no continuation), a batch whose PUBACKs are all in is
/// forgotten: the usual case, a millisecond after the hand-off. The messages still unacknowledged are stored, in the
/// order handed over and before anything else is stored, when:
/// - the oldest batch waited `unstoredLimit` (a broker that is slow or gone without the connection noticing);
/// - the connection drops, or shutdown begins;
/// - anything else is about to be stored (so nothing stored overtakes them);
/// - one ended without being delivered (the client shut down).
///
/// Stored that way, they stay in flight as far as the plan is concerned (`DrainPlan.adoptInFlight`): libmosquitto
/// still has them and resends them after a reconnect, and their PUBACKs delete them from the store. So nothing is
/// sent twice, and a restart replays them if they were never acknowledged.
///
/// What this gives up: a crash or a power cut in the interval between the hand-off and the PUBACK (or the store,
/// at most `unstoredLimit` later) loses that poll's readings, unless the broker already had them. Write-ahead
/// protected that interval at the cost of a SQLite transaction per poll (docs/outbox.md, docs/performance.md).
extension Publisher {
    /// The longest a QoS 1 poll handed over unstored waits for its acknowledgements before it is stored.
    static let unstoredLimit = Duration.seconds(1)

    /// Remembers a QoS 1 batch handed over unstored, and wakes the run loop when no timer of its own would look at
    /// the batch within `unstoredLimit`.
    func keepUnstored(_ messages: [OutboxMessage], _ batch: PublishBatch) {
        let handedAt = ContinuousClock.now
        unstored.append(UnstoredBatch(messages: messages, batch: batch, handedAt: handedAt))
        unstoredCount += messages.count
        lastUnstoredAt = handedAt
        if timer.armed.map({ $0 > handedAt + Self.unstoredLimit }) ?? true { sink.yield(.wake) }
    }

    /// Forgets the unstored batches whose acknowledgements are all in, oldest first; stores the rest when the oldest
    /// one waited `unstoredLimit`, or when a message ended undelivered (shutdown: stored for the next start).
    func settleUnstored(at now: ContinuousClock.Instant) async {
        var undelivered: [OutboxMessage] = []
        while undelivered.isEmpty, let first = unstored.first {
            let outcomes = client.outcomesSoFar(of: first.batch)
            guard !outcomes.contains(nil) else { break }
            unstored.removeFirst()
            unstoredCount -= first.messages.count
            for index in outcomes.indices where first.batch.outcomes[index] == nil {
                guard let outcome = outcomes[index] else { continue }
                if endedUnsent(first.messages[index], outcome) { undelivered.append(first.messages[index]) }
            }
        }
        let overdue = unstored.first.map { now - $0.handedAt >= Self.unstoredLimit } ?? false
        if !undelivered.isEmpty || overdue { await storeUnstored(after: undelivered) }
    }

    /// Accounts for an unstored message whose publication ended: a delivered one counts as published, a refused
    /// one is logged and dropped (`Publisher.outcome`).
    /// - Returns: whether it ended unsent (the connection or the client went first), so that it is stored.
    private func endedUnsent(_ message: OutboxMessage, _ outcome: PublishOutcome) -> Bool {
        switch Self.outcome(outcome, topic: message.topic, logger: logger) {
        case .delivered:
            published += 1
            return false
        case .refused: return false
        case .notSent: return true
        }
    }

    /// Stores `leading`, then every unstored message whose acknowledgement is not in yet, in the order handed over,
    /// in one transaction. Those still due stay in flight (`DrainPlan.adoptInFlight`); the run loop collects their
    /// acknowledgements (`adoptedAcknowledgements`), which delete them like any stored message's.
    func storeUnstored(after leading: [OutboxMessage] = []) async {
        guard !unstored.isEmpty || !leading.isEmpty else { return }
        let batches = unstored
        unstored.removeAll()
        unstoredCount = 0
        storingUnstored += 1
        defer { storingUnstored -= 1 }
        var messages = leading
        var inFlight: [Int] = []
        var adopted: [(batch: UnstoredBatch, positions: [Int?])] = []
        for kept in batches {
            let outcomes = client.outcomesSoFar(of: kept.batch)
            var positions: [Int?] = Array(repeating: nil, count: outcomes.count)
            for index in outcomes.indices where kept.batch.outcomes[index] == nil {
                let message = kept.messages[index]
                guard let outcome = outcomes[index] else {
                    positions[index] = messages.count
                    inFlight.append(messages.count)
                    messages.append(message)
                    continue
                }
                if endedUnsent(message, outcome) { messages.append(message) }
            }
            if positions.contains(where: { $0 != nil }) { adopted.append((kept, positions)) }
        }
        // Not stored (a full disk): those still due stay with libmosquitto only, counted as dropped.
        guard let entries = await append(messages, inFlight: inFlight) else { return }
        for (kept, positions) in adopted {
            adoptedAcknowledgements.append(
                PendingAcknowledgements(
                    batch: kept.batch,
                    ids: positions.map { $0.map { entries[$0].id } },
                    topics: kept.messages.map(\.topic)
                )
            )
        }
    }
}
