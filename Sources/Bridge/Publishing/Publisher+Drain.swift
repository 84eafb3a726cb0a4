import Foundation
import Logging
import MQTT
import Outbox

extension Publisher {
    /// Sends what the outbox holds whenever the client is connected; runs until `finish(by:)` ends it (shutdown) or
    /// its task is cancelled.
    ///
    /// One loop handles every event (connection changes, new messages, finished publications, pacing ticks) and
    /// does what `DrainPlan` says: store reads, publications (a batch per call to the client, QoS 0 settled at once,
    /// a child task per batch awaiting QoS 1 acknowledgements, at most `plan.window` messages in flight), deletes of
    /// acknowledged messages in batches, and admits the polls that wait for room (`PublishAdmission`). At shutdown
    /// the same loop sends the live messages (such as the meters' `offline` stored when the buses stopped) and waits
    /// for their acknowledgements, so every publication it started reports back to it; the backlog stays stored for
    /// the next start.
    package func run() async {
        finishBy = nil
        finishedAcknowledged = false
        // A discarding group: a finished child is freed at once (a plain task group keeps every child until its
        // result is awaited, a few KiB per publication).
        await withDiscardingTaskGroup { group in
            group.addTask { [client, sink] in
                for await state in client.connectionStates() {
                    sink.yield(.connection(state))
                    if state == .shutDown { return }
                }
            }
            group.addTask { [sink] in
                while (try? await Task.sleep(for: Self.expiryInterval)) != nil { sink.yield(.expire) }
            }
            draining = true
            for await event in events {
                await handle(event)
                let started = await pump(&group)
                if finished(startedSends: started) {
                    finishedAcknowledged = plan.connected && plan.inFlightCount == 0
                    break
                }
            }
            // Polls waiting for room go now (their readings are stored for the next start).
            draining = false
            _ = admitWaiting(at: .now)
            // Publications still waiting (the deadline passed, or the task was cancelled) end as `notSent`: they
            // stay stored; libmosquitto may still deliver them, which QoS 1 allows to happen twice.
            await storeUnstored()
            group.cancelAll()
            await deleteFinished()
        }
    }

    /// Asks `run()` to end by `deadline`: from now on it sends the live messages and ends once none is left
    /// unacknowledged, the connection is gone, or the deadline passed. What stays unacknowledged stays stored.
    /// Safe from any context (the graceful-shutdown handler calls it synchronously).
    package nonisolated func finish(by deadline: ContinuousClock.Instant) {
        sink.yield(.finish(deadline))
    }

    /// Whether the loop may end: shutdown asked for it, and nothing it started waits for an answer any more (or
    /// nothing can: not connected, or past the deadline).
    private func finished(startedSends: Bool) -> Bool {
        guard let finishBy else { return false }
        if !plan.connected || ContinuousClock.now >= finishBy { return true }
        return !startedSends && plan.inFlightCount == 0
    }

    private func handle(_ event: Event) async {
        switch event {
        case .wake: break
        case .tick(let instant): timer.expired(instant)
        case .finish(let deadline):
            finishBy = deadline
            // What went unstored is stored and stays in flight: the loop waits for it like for the live messages.
            await storeUnstored()
        case .connection(.connected):
            guard !plan.connected else { return }
            plan.connect()
            await reportReplay()
        case .connection:
            if plan.connected { plan.disconnect() }
            // libmosquitto resends them after reconnecting; stored, they also survive a restart meanwhile.
            await storeUnstored()
        case .sent(let outcomes):
            for (id, outcome) in outcomes { finish(id, outcome) }
        case .expire:
            do {
                if let through = try await outbox.dropExpired() {
                    await reportBoundDrops(through: through)
                    plan.dropped(through: through)
                }
            } catch {
                logger.error("outbox: cannot drop expired messages: \(error)")
            }
        }
    }

    /// Logs what the replay lane is about to send, as a backlog only when it is one (`BacklogReport`).
    private func reportReplay() async {
        let report = BacklogReport(
            firstConnection: !connectedOnce,
            stored: await outbox.statistics.count,
            storedAtOpen: outbox.statisticsAtOpen.count,
            droppedSinceOpen: await outbox.drops,
            replayRate: plan.replayRate,
            superseded: (try? await outbox.supersededStates()) ?? 0
        )
        connectedOnce = true
        if let line = report.line { logger.log(level: report.level, "\(line)") }
    }

    func finish(_ id: Int64, _ outcome: DrainPlan.Outcome) {
        plan.sent(id, outcome: outcome)
        switch outcome {
        case .delivered: published += 1
        case .refused: break
        case .notSent:
            // The client dropped the connection under our feet: start over from the store once connected again.
            if client.state == .connected { plan.connect() } else { plan.disconnect() }
        }
        if deleteDue == nil, !plan.finished.isEmpty { deleteDue = .now + Self.deleteDelay }
    }

    /// Starts what can go now and schedules the next timer; returns whether it started publications that wait for
    /// acknowledgements (QoS 0 ones are settled before it returns).
    private func pump(_ group: inout DiscardingTaskGroup) async -> Bool {
        let now = ContinuousClock.now
        var wait: ContinuousClock.Instant?
        var awaiting = false
        await settleUnstored(at: now)
        for pending in adoptedAcknowledgements {
            awaiting = true
            group.addTask { [client, logger, sink] in
                sink.yield(.sent(await Self.collect(pending, client: client, logger: logger)))
            }
        }
        adoptedAcknowledgements.removeAll()
        while true {
            // libmosquitto holds a drain buffer of unwritten QoS 0 messages (a broker that reads nothing): what is
            // stored stays stored, where a lost connection cannot take it, until the socket takes more.
            if client.unwrittenMessages >= plan.bufferLimit {
                client.wakeWhenUnwritten(atMost: plan.bufferLimit / 2) { [sink] in sink.yield(.wake) }
                break
            }
            await readStore()
            // Finishing, the backlog is not replayed any more: only live messages go.
            let taken = takeSendable(at: now, liveOnly: finishBy != nil)
            wait = taken.wait
            guard !taken.sends.isEmpty else { break }
            // The whole batch goes to libmosquitto in one call: QoS 0 messages are settled right here (no task, no
            // continuation); QoS 1 messages get one child task and one continuation per batch, for their PUBACKs.
            let handed = hand(taken.sends)
            if let pending = handed.pending {
                awaiting = true
                group.addTask { [client, logger, sink] in
                    sink.yield(.sent(await Self.collect(pending, client: client, logger: logger)))
                }
            }
            // What was settled at once frees the window and its topics: take again, else wait for events (a batch
            // libmosquitto did not take, not connected, is not retried in this loop).
            guard handed.settled > 0 else { break }
        }
        reportSuperseded()
        if let wait {
            // At least 10 ms apart: the pacer's bucket holds a tenth of a second, so the rate is kept while the
            // replay wakes up at most 100 times a second instead of once per message.
            schedule(&group, at: max(wait, now + Self.pacingGranularity))
        }
        // Deletes go in batches (256 ids, or whatever finished within 1 s): with the WAL synced at every commit,
        // one transaction per acknowledgement would cost a commit and an fsync per message.
        if let due = deleteDue {
            if plan.finished.count >= Self.deleteBatch || due <= now {
                await deleteFinished()
            } else {
                schedule(&group, at: due)
            }
        }
        // The unstored batches are looked at again one limit after the oldest was handed over or, with none left,
        // the newest: while polls go unstored a timer stays armed, so a hand-off need not wake this loop.
        if let handed = unstored.first?.handedAt ?? lastUnstoredAt, handed + Self.unstoredLimit > now {
            schedule(&group, at: handed + Self.unstoredLimit)
        }
        if let deadline = admitWaiting(at: .now) { schedule(&group, at: deadline) }
        if let finishBy { schedule(&group, at: finishBy) }
        return awaiting
    }

    /// Logs (debug) the replayed states the plan finished unsent since the last call, and has them deleted with the
    /// delivered messages.
    private func reportSuperseded() {
        guard plan.superseded > supersededLogged else { return }
        let count = plan.superseded - supersededLogged
        supersededLogged = plan.superseded
        logger.debug("outbox: \(count) stored state messages not replayed: a newer one of their topic is stored")
        if deleteDue == nil, !plan.finished.isEmpty { deleteDue = .now + Self.deleteDelay }
    }

    private func schedule(_ group: inout DiscardingTaskGroup, at instant: ContinuousClock.Instant) {
        guard timer.arm(at: instant) else { return }
        group.addTask { [sink] in
            try? await Task.sleep(until: instant)
            sink.yield(.tick(instant))
        }
    }

    private func readStore() async {
        for read in plan.reads() {
            do {
                plan.read(
                    read,
                    returned: try await outbox.read(after: read.after, before: read.before, limit: read.limit)
                )
            } catch {
                logger.error("outbox: cannot read stored messages: \(error)")
            }
        }
    }

    private func deleteFinished() async {
        deleteDue = nil
        let ids = Array(plan.finished)
        guard !ids.isEmpty else { return }
        do {
            try await outbox.delete(ids)
        } catch {
            // They were delivered; if they cannot be deleted now they are sent again after a restart.
            logger.error("outbox: cannot delete \(ids.count) delivered messages: \(error)")
        }
        plan.deleted(ids)
    }

    /// Everything the plan lets go at `now`, and when the pacer has the next token if the replay must wait.
    /// - Parameter liveOnly: leave the backlog (replay lane) alone, as at shutdown.
    private func takeSendable(
        at now: ContinuousClock.Instant,
        liveOnly: Bool
    ) -> (sends: [DrainPlan.Send], wait: ContinuousClock.Instant?) {
        var sends: [DrainPlan.Send] = []
        while true {
            switch plan.next(at: now, replaying: !liveOnly) {
            case .send(let send): sends.append(send)
            case .wait(let until): return (sends, until)
            case .idle: return (sends, nil)
            }
        }
    }

    /// A batch handed to the client whose QoS 1 acknowledgements are due: the client's ticket and the messages'
    /// ids (nil for one that is not stored: settled before its batch was) and topics, in order.
    struct PendingAcknowledgements: Sendable {
        var batch: PublishBatch
        var ids: [Int64?]
        var topics: [String]
    }

    /// Hands `sends` to the client in one call (one lock, no suspension) and finishes what is settled at once (every
    /// QoS 0 message, and anything refused or not connected); returns how many were delivered or refused (0 when
    /// any was not handed over: those wait for the next event, never for a spin of the loop) and what awaits PUBACKs.
    func hand(_ sends: [DrainPlan.Send]) -> (settled: Int, pending: PendingAcknowledgements?) {
        let batch = client.publish(batch: sends.map(Self.draft))
        var settled = 0
        var notSent = false
        for (send, outcome) in zip(sends, batch.outcomes) {
            guard let outcome else { continue }
            let result = Self.outcome(outcome, topic: send.entry.message.topic, logger: logger)
            finish(send.entry.id, result)
            if result == .notSent { notSent = true } else { settled += 1 }
        }
        let pending =
            batch.awaitsAcknowledgements
            ? PendingAcknowledgements(
                batch: batch,
                ids: sends.map(\.entry.id),
                topics: sends.map(\.entry.message.topic)
            )
            : nil
        return (notSent ? 0 : settled, pending)
    }

    /// Waits for the acknowledgements of a handed batch; returns the outcome of each message that awaited one.
    static func collect(
        _ pending: PendingAcknowledgements,
        client: MQTTClient,
        logger: Logger
    ) async -> [(Int64, DrainPlan.Outcome)] {
        let outcomes = await client.acknowledgements(of: pending.batch)
        var result: [(Int64, DrainPlan.Outcome)] = []
        result.reserveCapacity(outcomes.count)
        for index in outcomes.indices where pending.batch.outcomes[index] == nil {
            guard let id = pending.ids[index] else { continue }
            let settled = outcome(outcomes[index], topic: pending.topics[index], logger: logger)
            result.append((id, settled))
        }
        return result
    }

    private static func draft(_ send: DrainPlan.Send) -> MQTTMessageDraft {
        let message = send.entry.message
        return MQTTMessageDraft(
            topic: message.topic,
            payload: message.payload,
            qos: message.qos == 0 ? .atMostOnce : .atLeastOnce,
            retain: send.retain
        )
    }

    /// Maps the client's outcome onto the plan's.
    static func outcome(_ outcome: PublishOutcome, topic: String, logger: Logger) -> DrainPlan.Outcome {
        switch outcome {
        case .delivered:
            return .delivered
        case .notConnected, .shutDown, .cancelled:
            // Cancelled: shutdown; it stays stored (libmosquitto may still deliver it; QoS 1 allows a duplicate).
            return .notSent
        case .refused(let reason):
            // The broker or libmosquitto refuses this message itself: retrying would block its topic for good.
            logger.error("not published: \(MQTTError.publishFailed(reason))", metadata: ["topic": "\(topic)"])
            return .refused
        }
    }
}
