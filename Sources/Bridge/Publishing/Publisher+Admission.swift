import MQTT
import Outbox

extension Publisher {
    /// The longest a poller waits for room before its readings are stored anyway (`PublishAdmission`).
    package static let longestAdmissionWait = Duration.seconds(1)

    /// The live messages waiting for the broker (stored, handed over unstored and not acknowledged, or admitted and
    /// being stored), the bound, and how many polls wait for room: the backpressure's state, for tests and
    /// diagnostics.
    package var backpressure: (queued: Int, bound: Int, waitingPolls: Int) {
        (waitingForBroker + admission.admitted, admission.bound, admission.waiting.count)
    }

    /// The live messages waiting for the broker: those stored and not yet handed to the client, the QoS 0 messages
    /// the client took and has not yet written to the socket (libmosquitto's own queue, which nothing else bounds:
    /// without it, QoS 0 readings flat out piled up there, 140-180 MiB with ten meters), and the QoS 1 readings
    /// handed over unstored whose batch is not acknowledged yet (without them, a poll flat out found the unstored
    /// batches full and was stored, and from then on every poll went through the store: docs/performance.md,
    /// stop 26).
    var waitingForBroker: Int { plan.liveQueued + client.unwrittenMessages + unstoredCount }

    /// Whether stored live messages are ahead of a poll that, without them, would go to the broker unstored
    /// (`handWithoutStoring`): the poll then waits for their acknowledgements instead of joining them in the store
    /// (`PublishAdmission`). Not while a replay runs (that is the outbox's pace, not the broker's), nor where the
    /// poll is stored anyway (write-ahead at QoS 1, or a store that refuses writes).
    var storedAhead: Bool {
        !plan.isIdle && plan.replayDone && storeFailure == nil && (qos == .atMostOnce || !writeAhead)
    }

    /// Waits until `count` live messages may be stored (at once unless the broker is behind).
    func admit(_ count: Int) async {
        let holding = draining && plan.connected
        guard
            let id = admission.request(
                count,
                queued: waitingForBroker,
                storedAhead: storedAhead,
                holding: holding,
                now: .now
            )
        else { return }
        // The run loop admits waiters as the queue drains and keeps a timer for the first one's deadline.
        sink.yield(.wake)
        await withTaskCancellationHandler {
            await withCheckedContinuation { admissionWaiters[id] = $0 }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    /// Resumes the waiters that may go now; returns when the first one still waiting must go anyway.
    func admitWaiting(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let holding = draining && plan.connected
        for id in admission.admit(queued: waitingForBroker, storedAhead: storedAhead, holding: holding, now: now) {
            admissionWaiters.removeValue(forKey: id)?.resume()
        }
        armBrokerWake(holding: holding)
        return admission.nextDeadline
    }

    /// While a poll waits for room, asks the client for a wake-up once the broker took enough for the first waiting
    /// poll to fit (the run loop then admits it): libmosquitto's unwritten QoS 0 messages written, or the oldest
    /// unstored QoS 1 batch acknowledged. Armed whatever the counts read now: the messages `admit` counted may have
    /// been written or acknowledged since, and then the wake-up comes at once instead of never.
    private func armBrokerWake(holding: Bool) {
        // Waiting for stored messages: their acknowledgements come to the run loop as drain events, which admit it.
        guard holding, !storedAhead, let first = admission.waiting.first else { return }
        let others = plan.liveQueued + admission.admitted + unstoredCount
        if others + first.count <= admission.bound {
            client.wakeWhenUnwritten(atMost: admission.bound - others - first.count) { [sink] in sink.yield(.wake) }
        } else if others == 0 {
            // A poll larger than the bound goes once nothing is ahead of it.
            client.wakeWhenUnwritten(atMost: 0) { [sink] in sink.yield(.wake) }
        } else if let oldest = unstored.first {
            // The run loop forgets the oldest batch once its last acknowledgement is in (`settleUnstored`).
            let level = client.acknowledgementsDue - client.acknowledgementsStillDue(of: oldest.batch)
            client.wakeWhenAcknowledgementsDue(atMost: level) { [sink] in sink.yield(.wake) }
        }
        // Otherwise it waits for stored messages or admitted polls: the drain's events and the end of each admitted
        // poll (`publish`) admit it, not the socket.
    }

    /// A cancelled poller (shutdown) stops waiting and stores its readings at once.
    private func release(_ id: Int) {
        guard admission.release(id) else { return }
        admissionWaiters.removeValue(forKey: id)?.resume()
    }
}
