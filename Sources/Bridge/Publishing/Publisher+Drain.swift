import Foundation
import Logging
import MQTT
import Outbox

extension Publisher {
    /// Sends what the outbox holds whenever the client is connected; runs until cancelled.
    ///
    /// One loop handles every event (connection changes, new messages, finished publications, pacing ticks) and
    /// does what `DrainPlan` says: store reads, publications (a batch per child task, at most `plan.window` messages
    /// in flight), deletes of acknowledged messages in batches.
    package func run() async {
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
                await pump(&group)
            }
            group.cancelAll()
            await deleteFinished()
        }
    }

    /// Sends what can go now while the client is connected (the live messages, such as the `offline` availability
    /// stored at shutdown) and waits for their acknowledgements; the backlog stays stored for the next start. The
    /// shutdown path calls it after `run()` ended. Cancelling the task ends the wait for acknowledgements: what was
    /// not acknowledged stays stored (and is sent by the next start).
    package func flush() async {
        if client.state == .connected, !plan.connected { plan.connect() }
        while !Task.isCancelled {
            await readStore()
            let batch = takeSendable(at: .now).sends
            guard !batch.isEmpty else { break }
            for (id, outcome) in await Self.publish(batch, client: client, logger: logger) { finish(id, outcome) }
        }
        await deleteFinished()
    }

    private func handle(_ event: Event) async {
        switch event {
        case .wake: break
        case .tick: timerAt = nil
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

    private func pump(_ group: inout DiscardingTaskGroup) async {
        await readStore()
        let now = ContinuousClock.now
        let (batch, wait) = takeSendable(at: now)
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
    private func takeSendable(
        at now: ContinuousClock.Instant
    ) -> (sends: [DrainPlan.Send], wait: ContinuousClock.Instant?) {
        var sends: [DrainPlan.Send] = []
        while true {
            switch plan.next(at: now) {
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
