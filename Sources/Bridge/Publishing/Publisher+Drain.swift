import Foundation
import Logging
import MQTT
import Outbox

extension Publisher {
    /// Sends what the outbox holds whenever the client is connected; runs until `finish(by:)` ends it (shutdown) or
    /// its task is cancelled.
    ///
    /// One loop handles every event (connection changes, new messages, finished publications, pacing ticks) and
    /// does what `DrainPlan` says: store reads, publications (a batch per child task, at most `plan.window` messages
    /// in flight), deletes of acknowledged messages in batches. At shutdown the same loop sends the live messages
    /// (such as the meters' `offline` stored when the buses stopped) and waits for their acknowledgements, so every
    /// publication it started reports back to it; the backlog stays stored for the next start.
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
            for await event in events {
                await handle(event)
                let started = await pump(&group)
                if finished(startedSends: started) {
                    finishedAcknowledged = plan.connected && plan.inFlightCount == 0
                    break
                }
            }
            // Publications still waiting (the deadline passed, or the task was cancelled) end as `notSent`: they
            // stay stored; libmosquitto may still deliver them, which QoS 1 allows to happen twice.
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
        case .tick: timerAt = nil
        case .finish(let deadline): finishBy = deadline
        case .connection(.connected):
            guard !plan.connected else { return }
            plan.connect()
            let statistics = await outbox.statistics
            if statistics.count > 0 {
                logger.notice(
                    "outbox: replaying \(statistics.count) stored messages at \(plan.replayRate) messages/s; live readings go at once meanwhile"
                )
            }
        case .connection:
            if plan.connected { plan.disconnect() }
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

    private func finish(_ id: Int64, _ outcome: DrainPlan.Outcome) {
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

    /// Starts what can go now and schedules the next timer; returns whether it started publications.
    private func pump(_ group: inout DiscardingTaskGroup) async -> Bool {
        await readStore()
        let now = ContinuousClock.now
        // Finishing, the backlog is not replayed any more: only live messages go.
        let (batch, wait) = takeSendable(at: now, liveOnly: finishBy != nil)
        if !batch.isEmpty {
            // One child task and one event per batch (a poll's readings), not per message.
            group.addTask { [client, logger, sink] in
                sink.yield(.sent(await Self.publish(batch, client: client, logger: logger)))
            }
        }
        if let wait {
            // At least 10 ms apart: the pacer's bucket holds a tenth of a second, so the rate is kept while the
            // replay wakes up at most 100 times a second instead of once per message.
            schedule(&group, at: max(wait, now + Self.pacingGranularity))
        }
        // Deletes go in batches (64 ids, or whatever finished within 250 ms): with the WAL synced at every commit,
        // one transaction per acknowledgement would cost a commit and an fsync per message.
        if let due = deleteDue {
            if plan.finished.count >= Self.deleteBatch || due <= now {
                await deleteFinished()
            } else {
                schedule(&group, at: due)
            }
        }
        if let finishBy { schedule(&group, at: finishBy) }
        return !batch.isEmpty
    }

    private func schedule(_ group: inout DiscardingTaskGroup, at instant: ContinuousClock.Instant) {
        if let pending = timerAt, pending <= instant { return }
        timerAt = instant
        group.addTask { [sink] in
            try? await Task.sleep(until: instant)
            sink.yield(.tick)
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

    /// Publishes a batch: QoS 0 messages one after the other (each returns once libmosquitto took it), QoS 1
    /// messages concurrently (each waits for its PUBACK); returns every outcome once all are done.
    static func publish(
        _ batch: [DrainPlan.Send],
        client: MQTTClient,
        logger: Logger
    ) async -> [(Int64, DrainPlan.Outcome)] {
        var outcomes: [(Int64, DrainPlan.Outcome)] = []
        outcomes.reserveCapacity(batch.count)
        let acknowledged = batch.filter { $0.entry.message.qos > 0 }
        for send in batch where send.entry.message.qos == 0 {
            outcomes.append((send.entry.id, await publish(send, client: client, logger: logger)))
        }
        if acknowledged.count == 1, let send = acknowledged.first {
            outcomes.append((send.entry.id, await publish(send, client: client, logger: logger)))
        } else if !acknowledged.isEmpty {
            await withTaskGroup(of: (Int64, DrainPlan.Outcome).self) { group in
                for send in acknowledged {
                    group.addTask { (send.entry.id, await publish(send, client: client, logger: logger)) }
                }
                for await outcome in group { outcomes.append(outcome) }
            }
        }
        return outcomes
    }

    /// Publishes one message; maps the client's errors onto the plan's outcomes.
    static func publish(_ send: DrainPlan.Send, client: MQTTClient, logger: Logger) async -> DrainPlan.Outcome {
        let message = send.entry.message
        let draft = MQTTMessageDraft(
            topic: message.topic,
            payload: message.payload,
            qos: message.qos == 0 ? .atMostOnce : .atLeastOnce,
            retain: send.retain
        )
        do {
            try await client.publish(draft)
            return .delivered
        } catch MQTTError.notConnected, MQTTError.shutDown {
            return .notSent
        } catch is CancellationError {
            // Shutdown: stays stored (libmosquitto may still deliver it; QoS 1 allows a duplicate).
            return .notSent
        } catch {
            // The broker or libmosquitto refuses this message itself: retrying would block its topic for good.
            logger.error("not published: \(error)", metadata: ["topic": "\(message.topic)"])
            return .refused
        }
    }
}
