/// Everything mutable of one client, kept in `ClientContext`'s mutex.
///
/// Resuming a continuation or yielding to an `AsyncStream` only enqueues work and never runs the receiver inline,
/// so the mutating methods below do both while the lock is held; that keeps state changes and their delivery in
/// one order across the caller's threads and the client's network thread. Resuming does take the Swift
/// runtime's status lock of the resumed task, so nothing that runs under that lock (task cancellation handlers,
/// `AsyncStream` terminations) may take this one synchronously: they go through `ClientContext.withStateLater`.
struct ClientState {
    /// Whether the handle may still be used.
    enum Lifecycle: Equatable {
        case open, shuttingDown, shutDown
    }

    /// The waiter of the first `connect`: armed before the attempt, resolved by the first CONNACK or disconnect.
    enum ConnectWaiter {
        case idle
        case armed
        case waiting(CheckedContinuation<Void, any Error>)
        case resolved(Result<Void, any Error>)
    }

    /// A SUBSCRIBE awaiting its SUBACK; `continuation` is nil for the re-subscription after a reconnect.
    struct PendingSubscribe {
        var filters: [String]
        var continuation: CheckedContinuation<Void, any Error>?
    }

    var lifecycle = Lifecycle.open
    var connection = MQTTConnectionState.disconnected(reason: "not connected yet")
    /// The network thread, from the first `connect` until `shutdown()` (or a failed first connect) joins it.
    var network: NetworkThread?
    /// The network thread's connect/back-off/stop state; a new one for every thread.
    var link: ConnectionStateMachine
    /// Why the current attempt or connection ended, as the callbacks saw it (refused CONNACK, broker DISCONNECT);
    /// read and cleared by the network thread when the socket has closed.
    var endReason: String?
    /// The refusal of the current attempt's CONNACK, for the first `connect` to throw.
    var refusal: MQTTError?
    /// Whether a failed reconnect of the current outage was logged: the first is a warning, the rest are debug.
    var reconnectFailureLogged = false
    /// Whether the current outage's retries reached the longest delay and said so (a notice, once an outage).
    var reconnectCeilingLogged = false
    /// When an established connection was lost (its loss logged as a warning), until the next CONNACK: that one is
    /// logged at notice level with the outage's length, so whoever saw the warning also sees its end.
    var connectionLostAt: ContinuousClock.Instant?
    var connectWaiter = ConnectWaiter.idle
    /// Publications awaiting their acknowledgement (PUBACK / PUBCOMP), by message ID.
    var pendingPublishes: [Int32: PendingPublish] = [:]
    /// Batches of `publish(batch:)` with acknowledgements still due, or settled and not yet collected.
    var pendingBatches: [Int: PendingBatch] = [:]
    var nextBatchID = 0
    var pendingSubscribes: [Int32: PendingSubscribe] = [:]
    /// Filters to restore after every reconnect, in the order first subscribed.
    var subscriptions: [(filter: String, qos: QoS)] = []
    var messageSinks: [Int: AsyncStream<MQTTMessage>.Continuation] = [:]
    var stateSinks: [Int: AsyncStream<MQTTConnectionState>.Continuation] = [:]
    var nextSinkID = 0
    /// The kernel thread ID of the client's network thread, recorded in its first callback.
    var networkThreadID: Int32?
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []

    init(link: ConnectionStateMachine) {
        self.link = link
    }

    /// Whether a first `connect` waits for the outcome of the current attempt.
    var firstConnectPending: Bool {
        switch connectWaiter {
        case .armed, .waiting: true
        case .idle, .resolved: false
        }
    }

    /// Changes the connection state and tells every state stream.
    mutating func setConnection(_ new: MQTTConnectionState) {
        guard connection != new else { return }
        connection = new
        for sink in stateSinks.values { sink.yield(new) }
    }

    /// Settles the first connect's waiter; a no-op when no connect is in flight or it was settled already.
    mutating func resolveConnect(_ result: Result<Void, any Error>) {
        switch connectWaiter {
        case .armed:
            connectWaiter = .resolved(result)
        case .waiting(let continuation):
            connectWaiter = .idle
            continuation.resume(with: result)
        case .idle, .resolved:
            break
        }
    }

    /// Parks the first connect's task until `resolveConnect`, or resumes it at once if that already happened.
    mutating func awaitConnect(_ continuation: CheckedContinuation<Void, any Error>) {
        switch connectWaiter {
        case .armed:
            connectWaiter = .waiting(continuation)
        case .resolved(let result):
            connectWaiter = .idle
            continuation.resume(with: result)
        case .idle, .waiting:
            continuation.resume(throwing: MQTTError.shutDown)
        }
    }

    /// Remembers `filters` for re-subscription, replacing the QoS of filters already known.
    mutating func remember(_ filters: [String], qos: QoS) {
        for filter in filters {
            if let index = subscriptions.firstIndex(where: { $0.filter == filter }) {
                subscriptions[index].qos = qos
            } else {
                subscriptions.append((filter, qos))
            }
        }
    }

    /// Forgets `filters`: they are not subscribed again after a reconnect.
    mutating func forget(_ filters: [String]) {
        let forgotten = Set(filters)
        subscriptions.removeAll { forgotten.contains($0.filter) }
    }

    /// Fails SUBSCRIBEs whose SUBACK can no longer come: libmosquitto drops unsent and unacknowledged SUBSCRIBE
    /// packets on reconnect (only QoS > 0 PUBLISHes are resent). Their filters stay remembered and are restored.
    mutating func failPendingSubscribes(_ error: MQTTError) {
        for pending in pendingSubscribes.values { pending.continuation?.resume(throwing: error) }
        pendingSubscribes.removeAll()
    }

    /// The last step of shutdown: fails every waiter with `.shutDown`, yields `.shutDown` to the state streams.
    /// Returns the finishing of every stream, to run after the lock is released: finishing calls the stream's
    /// `onTermination`, which takes the lock again.
    mutating func finishShutdown() -> @Sendable () -> Void {
        lifecycle = .shutDown
        resolveConnect(.failure(MQTTError.shutDown))
        for case .single(let continuation) in pendingPublishes.values {
            continuation.resume(throwing: MQTTError.shutDown)
        }
        pendingPublishes.removeAll()
        for id in Array(pendingBatches.keys) {
            if let (continuation, outcomes) = settleBatch(id, unsettledAs: .shutDown) {
                continuation.resume(returning: outcomes)
            }
        }
        failPendingSubscribes(.shutDown)
        setConnection(.shutDown)
        let (states, messages) = (Array(stateSinks.values), Array(messageSinks.values))
        stateSinks.removeAll()
        messageSinks.removeAll()
        for waiter in shutdownWaiters { waiter.resume() }
        shutdownWaiters.removeAll()
        return {
            for sink in states { sink.finish() }
            for sink in messages { sink.finish() }
        }
    }
}
