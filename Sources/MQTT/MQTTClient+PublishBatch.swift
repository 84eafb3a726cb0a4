import CMosquitto
import Synchronization

/// How one message of `MQTTClient.publish(batch:)` ended.
package enum PublishOutcome: Sendable, Equatable {
    /// QoS 0: libmosquitto took it (its network thread sends it). QoS 1/2: the broker acknowledged it.
    case delivered
    /// There was no connection when the batch was handed over: libmosquitto did not take it.
    case notConnected
    /// The client is shut down, or was shut down before the acknowledgement came.
    case shutDown
    /// The wait for the acknowledgement was cancelled; libmosquitto may still deliver the message.
    case cancelled
    /// libmosquitto refused the message (topic, payload size) or the broker answered with a failure reason code.
    case refused(String)
}

/// A batch handed to libmosquitto by `MQTTClient.publish(batch:)`: what is settled already, and the ticket for the
/// acknowledgements still due.
package struct PublishBatch: Sendable {
    /// The outcome of each draft, in order; nil while its QoS 1/2 acknowledgement is due.
    package let outcomes: [PublishOutcome?]
    /// The client's record of the acknowledgements due; nil when every outcome is known.
    let pendingID: Int?

    /// Whether acknowledgements are due (then `MQTTClient.acknowledgements(of:)` must be awaited once).
    package var awaitsAcknowledgements: Bool { pendingID != nil }
}

/// Who waits for one message ID's acknowledgement.
enum PendingPublish {
    /// One `publish(_:)` call.
    case single(CheckedContinuation<Void, any Error>)
    /// Message `index` of the batch `id` (`ClientState.pendingBatches`).
    case batch(id: Int, index: Int)
}

/// The acknowledgements a batch still waits for, and its collector once `acknowledgements(of:)` is awaited.
struct PendingBatch {
    var outcomes: [PublishOutcome?]
    /// Message IDs still awaiting their acknowledgement, by index.
    var mids: [Int: Int32]
    var continuation: CheckedContinuation<[PublishOutcome], Never>?
}

extension ClientState {
    /// Settles every message of batch `id` still due as `unsettled` and removes it with its message IDs; returns
    /// its collector (if one waits) and the outcomes, for the caller to resume. A collector that comes later finds
    /// the batch gone and gets `unsettled` for everything still nil: so the record is kept until collected.
    mutating func settleBatch(
        _ id: Int,
        unsettledAs unsettled: PublishOutcome
    ) -> (CheckedContinuation<[PublishOutcome], Never>, [PublishOutcome])? {
        guard var batch = pendingBatches[id] else { return nil }
        for (index, mid) in batch.mids {
            pendingPublishes.removeValue(forKey: mid)
            batch.outcomes[index] = unsettled
        }
        batch.mids.removeAll()
        guard let continuation = batch.continuation else {
            pendingBatches[id] = batch
            return nil
        }
        pendingBatches.removeValue(forKey: id)
        return (continuation, batch.outcomes.map { $0 ?? unsettled })
    }

    /// Records the acknowledgement of message `index` of batch `id`; returns the collector and all outcomes once
    /// the last one is in and a collector waits.
    mutating func acknowledge(
        batch id: Int,
        index: Int,
        _ outcome: PublishOutcome
    ) -> (CheckedContinuation<[PublishOutcome], Never>, [PublishOutcome])? {
        // Changed in place (the dictionary's modify accessor): a copy taken out and written back shared its
        // buffers with the stored batch, so every acknowledgement copied the batch's outcomes and message IDs,
        // a poll's worth of work per PUBACK on the network thread.
        // Whether this acknowledgement is the last one a waiting collector needs (the temporary copy ends with
        // the expression, before the batch is changed).
        let completes = pendingBatches[id].map { batch in
            batch.continuation != nil && batch.mids.keys.allSatisfy { $0 == index }
        }
        guard let completes else { return nil }
        guard completes, let batch = pendingBatches.removeValue(forKey: id), let continuation = batch.continuation
        else {
            pendingBatches[id]?.outcomes[index] = outcome
            pendingBatches[id]?.mids.removeValue(forKey: index)
            return nil
        }
        var outcomes = batch.outcomes
        outcomes[index] = outcome
        return (continuation, outcomes.map { $0 ?? .delivered })
    }
}

extension MQTTClient {
    /// Hands every draft to libmosquitto under one lock, without suspending: the cheap path for a whole poll.
    ///
    /// QoS 0 messages are settled at once (`.delivered` once libmosquitto queued them for its network thread). The
    /// acknowledgements of QoS 1/2 messages are collected by one `acknowledgements(of:)` for the whole batch, not a
    /// continuation per message. No MQTT 5 properties (readings have none; use `publish(_:properties:)`).
    /// Not connected or shut down at call time: every draft gets `.notConnected` / `.shutDown` and nothing is sent.
    package func publish(batch drafts: [MQTTMessageDraft]) -> PublishBatch {
        let (context, handle) = (self.context, self.handle)
        // One wake-up for the whole batch, once it is queued (`ClientContext.serviceConnection`).
        defer { context.wakeNetwork() }
        return context.state.withLock { state in
            guard state.lifecycle == .open else {
                return PublishBatch(outcomes: Array(repeating: .shutDown, count: drafts.count), pendingID: nil)
            }
            guard state.connection == .connected else {
                return PublishBatch(outcomes: Array(repeating: .notConnected, count: drafts.count), pendingID: nil)
            }
            var outcomes: [PublishOutcome?] = []
            outcomes.reserveCapacity(drafts.count)
            var mids: [Int: Int32] = [:]
            let id = state.nextBatchID
            for (index, draft) in drafts.enumerated() {
                var mid: Int32 = 0
                // As in `publish(_:)`: the acknowledgement is registered under the lock held across the call, so the
                // network thread's on_publish (which waits for the lock) always finds it; the count is raised first.
                // QoS 0 messages are counted as unwritten the same way (`MessageGauge`).
                context.handingOver(draft.qos)
                let rc = handle.publish(draft, properties: nil, mid: &mid)
                if rc != MOSQ_ERR_SUCCESS.rawValue { context.notHandedOver(draft.qos) }
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    if draft.qos == .atMostOnce {
                        outcomes.append(.delivered)
                    } else {
                        outcomes.append(nil)
                        mids[index] = mid
                        state.pendingPublishes[mid] = .batch(id: id, index: index)
                    }
                } else if rc == MOSQ_ERR_NO_CONN.rawValue {
                    outcomes.append(.notConnected)
                } else {
                    outcomes.append(.refused("\(draft.topic): \(MosquittoHandle.describe(rc))"))
                }
            }
            guard !mids.isEmpty else { return PublishBatch(outcomes: outcomes, pendingID: nil) }
            state.nextBatchID += 1
            state.pendingBatches[id] = PendingBatch(outcomes: outcomes, mids: mids, continuation: nil)
            return PublishBatch(outcomes: outcomes, pendingID: id)
        }
    }

    /// The QoS 0 messages handed over and not yet written to the socket by the network thread: libmosquitto's
    /// outgoing queue, which it does not bound itself (`MessageGauge`). A publisher that must not run ahead of the
    /// broker counts them as waiting.
    package var unwrittenMessages: Int { context.sendQueue.count }

    /// Calls `action` once (on the network thread, or at once on the caller's) when at most `level` QoS 0 messages
    /// are unwritten, or when a new connection starts (libmosquitto then dropped the old queue). A later call
    /// replaces a wake-up still armed; `action` must be cheap and should only make its owner look again.
    package func wakeWhenUnwritten(atMost level: Int, _ action: @escaping @Sendable () -> Void) {
        context.sendQueue.wake(atMost: level, action)
    }

    /// The QoS 1/2 publications handed over whose acknowledgement has not come (`ClientContext.acknowledgementsDue`).
    package var acknowledgementsDue: Int { context.acknowledgementsDue.count }

    /// Calls `action` once (on the network thread, or at once on the caller's) when at most `level` QoS 1/2
    /// acknowledgements are due: for a publisher that holds a poll back until earlier ones are acknowledged. A later
    /// call replaces a wake-up still armed; `action` must be cheap and should only make its owner look again.
    package func wakeWhenAcknowledgementsDue(atMost level: Int, _ action: @escaping @Sendable () -> Void) {
        context.acknowledgementsDue.wake(atMost: level, action)
    }

    /// How many acknowledgements of `batch` are still due, without waiting and without ending the batch's record
    /// (unlike `outcomesSoFar(of:)`, which forgets a batch once nothing is due).
    package func acknowledgementsStillDue(of batch: PublishBatch) -> Int {
        guard let id = batch.pendingID else { return 0 }
        return context.state.withLock { $0.pendingBatches[id]?.mids.count ?? 0 }
    }

    /// The outcome of each draft of `batch` as known now, without waiting: nil for each acknowledgement still due.
    ///
    /// Once nothing is due the client forgets the batch, so a result without nils is the last one: neither this
    /// nor `acknowledgements(of:)` may be asked about the batch again. While something is due the record stays, and
    /// `acknowledgements(of:)` may take over the wait. A batch shutdown settled reads `.shutDown` for what was due.
    /// What a publisher that waits for no acknowledgement checks now and then (`Publisher`'s unstored batches), at
    /// the cost of one lock, no task and no continuation.
    package func outcomesSoFar(of batch: PublishBatch) -> [PublishOutcome?] {
        guard let id = batch.pendingID else { return batch.outcomes }
        return context.state.withLock { state in
            guard let pending = state.pendingBatches[id] else { return batch.outcomes.map { $0 ?? .shutDown } }
            guard pending.mids.isEmpty, pending.continuation == nil else { return pending.outcomes }
            state.pendingBatches.removeValue(forKey: id)
            return pending.outcomes.map { $0 ?? .delivered }
        }
    }

    /// Waits until every acknowledgement of `batch` is in and returns the outcome of each draft, in order. Call it
    /// once per batch that `awaitsAcknowledgements`; for one that does not, it returns the outcomes at once.
    ///
    /// A lost connection does not end the wait (libmosquitto resends QoS 1/2 messages after reconnecting); a
    /// shutdown settles what is due as `.shutDown`, cancelling the task as `.cancelled`. One continuation per batch,
    /// resumed by the network thread when the last acknowledgement arrives.
    package func acknowledgements(of batch: PublishBatch) async -> [PublishOutcome] {
        guard let id = batch.pendingID else { return batch.outcomes.map { $0 ?? .delivered } }
        let context = self.context
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[PublishOutcome], Never>) in
                let ready: [PublishOutcome]? = context.state.withLock { state in
                    guard var pending = state.pendingBatches[id] else {
                        return batch.outcomes.map { $0 ?? .shutDown }
                    }
                    guard pending.mids.isEmpty else {
                        pending.continuation = continuation
                        state.pendingBatches[id] = pending
                        return nil
                    }
                    state.pendingBatches.removeValue(forKey: id)
                    return pending.outcomes.map { $0 ?? .delivered }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            // Not under `state` here: see `ClientContext.cancellationQueue`.
            context.withStateLater { state in
                let removed = state.pendingBatches[id]?.mids.count ?? 0
                context.acknowledgementsDue.remove(removed)
                if let (continuation, outcomes) = state.settleBatch(id, unsettledAs: .cancelled) {
                    continuation.resume(returning: outcomes)
                }
            }
        }
    }
}
