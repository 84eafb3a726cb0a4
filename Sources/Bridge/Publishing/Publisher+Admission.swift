import Outbox

extension Publisher {
    /// The longest a poller waits for room before its readings are stored anyway (`PublishAdmission`).
    static let longestAdmissionWait = Duration.seconds(1)

    /// The live messages waiting for the broker (stored, or admitted and being stored), the bound, and how many
    /// polls wait for room: the backpressure's state, for tests and diagnostics.
    package var backpressure: (queued: Int, bound: Int, waitingPolls: Int) {
        (plan.liveQueued + admission.admitted, admission.bound, admission.waiting.count)
    }

    /// Waits until `count` live messages may be stored (at once unless the broker is behind).
    func admit(_ count: Int) async {
        let holding = draining && plan.connected
        guard let id = admission.request(count, queued: plan.liveQueued, holding: holding, now: .now) else { return }
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
        for id in admission.admit(queued: plan.liveQueued, holding: holding, now: now) {
            admissionWaiters.removeValue(forKey: id)?.resume()
        }
        return admission.nextDeadline
    }

    /// A cancelled poller (shutdown) stops waiting and stores its readings at once.
    private func release(_ id: Int) {
        guard admission.release(id) else { return }
        admissionWaiters.removeValue(forKey: id)?.resume()
    }
}
