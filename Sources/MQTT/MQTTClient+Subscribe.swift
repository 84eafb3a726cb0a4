import CMosquitto
import Synchronization

extension MQTTClient {
    /// Subscribes to `filters` (wildcards allowed) in one SUBSCRIBE and returns on the SUBACK.
    ///
    /// The filters are remembered and subscribed again after every reconnect (in on_connect, right after the birth
    /// message). Messages arrive on the streams returned by `messages()`.
    /// - Throws: `MQTTError.notConnected` when not connected at call time; `MQTTError.subscribeFailed` when
    ///   libmosquitto rejects a filter, the broker refuses one (those are forgotten again), or the connection drops
    ///   before the SUBACK (the filters stay remembered and are restored on reconnect); `MQTTError.shutDown`;
    ///   `CancellationError` when the task is cancelled before the SUBACK (the filters stay remembered).
    package func subscribe(_ filters: [String], qos: QoS) async throws {
        guard !filters.isEmpty else { return }
        let (context, handle) = (self.context, self.handle)
        let waiter = AcknowledgementWaiter()
        try await withTaskCancellationHandler {
            try await subscribe(filters, qos: qos, context: context, handle: handle, waiter: waiter)
        } onCancel: {
            // Not under `state` here: see `ClientContext.cancellationQueue`. Then the waiter's lock, as in `publish`.
            context.withStateLater { state in
                guard let mid = waiter.mid.withLock({ $0 }), let pending = state.pendingSubscribes[mid],
                    let continuation = pending.continuation
                else { return }
                state.pendingSubscribes[mid]?.continuation = nil
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Unsubscribes from `filters` (one UNSUBSCRIBE) and forgets them, so a reconnect does not subscribe them again.
    ///
    /// Returns without waiting for the UNSUBACK: a message on those filters that the broker sent before it arrives
    /// still, and callers ignore such messages like any other they do not expect. Not connected, the filters are
    /// only forgotten (the next session starts without them).
    /// - Throws: `MQTTError.shutDown`; `MQTTError.subscribeFailed` when libmosquitto rejects a filter.
    package func unsubscribe(_ filters: [String]) throws {
        guard !filters.isEmpty else { return }
        let (context, handle) = (self.context, self.handle)
        let failure: MQTTError? = context.state.withLock { state in
            guard state.lifecycle == .open else { return .shutDown }
            state.forget(filters)
            guard state.connection == .connected else { return nil }
            var mid: Int32 = 0
            let rc = handle.unsubscribe(filters, mid: &mid)
            guard rc == MOSQ_ERR_SUCCESS.rawValue || rc == MOSQ_ERR_NO_CONN.rawValue else {
                let reason = MosquittoHandle.describe(rc)
                return .subscribeFailed("unsubscribing \(filters.joined(separator: ", ")): \(reason)")
            }
            return nil
        }
        context.wakeNetwork()
        if let failure { throw failure }
    }

    private func subscribe(
        _ filters: [String],
        qos: QoS,
        context: ClientContext,
        handle: MosquittoHandle,
        waiter: AcknowledgementWaiter
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let failure: (any Error)? = context.state.withLock { state in
                guard state.lifecycle == .open else { return MQTTError.shutDown }
                guard state.connection == .connected else { return MQTTError.notConnected }
                guard !Task.isCancelled else { return CancellationError() }
                var mid: Int32 = 0
                // Registered under the lock held across the call, as in `publish`: the SUBACK callback waits for it.
                let rc = handle.subscribe(filters, qos: qos, version: context.configuration.protocolVersion, mid: &mid)
                guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                    if rc == MOSQ_ERR_NO_CONN.rawValue { return MQTTError.notConnected }
                    return MQTTError.subscribeFailed(
                        "\(filters.joined(separator: ", ")): \(MosquittoHandle.describe(rc))"
                    )
                }
                state.remember(filters, qos: qos)
                state.pendingSubscribes[mid] = .init(filters: filters, continuation: continuation)
                waiter.mid.withLock { $0 = mid }
                return nil
            }
            context.wakeNetwork()
            if let failure { continuation.resume(throwing: failure) }
        }
    }
}
