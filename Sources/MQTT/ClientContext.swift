import CMosquitto
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The object behind libmosquitto's `obj` pointer: configuration, logger and the mutex-guarded `ClientState`.
///
/// `MQTTClient.init` hands it to `mosquitto_new` with `Unmanaged.passRetained`; `MQTTClient.shutdown` releases that
/// reference after `mosquitto_destroy`, so it outlives every callback. The `handle…` methods run on libmosquitto's
/// network thread, called by the trampolines in `CallbackTrampolines.swift` with data already copied into Swift.
final class ClientContext: Sendable {
    let configuration: MQTTClientConfiguration
    let logger: Logger
    let state: Mutex<ClientState>
    /// At least the number of QoS 1/2 publications registered in `state.pendingPublishes` or about to be (raised
    /// before the message is handed to libmosquitto, lowered when its entry is removed), with a wake-up for a
    /// publisher that waits for acknowledgements (`MQTTClient.wakeWhenAcknowledgementsDue`). While it is 0, the
    /// network thread's on_publish (called for every QoS 0 message written too) skips the lock: a batch holds it
    /// while handing a whole poll over, and QoS 0 callbacks would queue behind it for nothing.
    let acknowledgementsDue = MessageGauge()
    /// The callbacks libmosquitto has run (each for a packet it handled, or a QoS 0 message written): counted by
    /// the trampolines, read by the network thread to tell whether a `mosquitto_loop_read` call handled anything
    /// (`serviceConnection`).
    let packetsHandled = Atomic<Int>(0)
    /// The network thread's wake-up: signalled by `wakeNetwork()` after a publish or (un)subscribe, and to stop.
    let networkWakeup: NetworkWakeup
    /// The QoS 0 messages libmosquitto holds unwritten, for the publisher's backpressure (`MessageGauge`).
    let sendQueue = MessageGauge()
    /// libmosquitto's error log lines of the current connection attempt (the last few), for naming the cause of a
    /// TLS failure. A lock of its own: the log callback also runs inside `publish` while `state` is held.
    let attemptErrors = Mutex<[String]>([])
    /// libmosquitto's error lines logged at error level since the last CONNACK: each is logged so once per outage.
    let libraryErrorsLogged = Mutex<Set<String>>([])
    /// Whether libmosquitto's log lines are wanted while connected: only when the logger shows debug lines (where
    /// they go). Otherwise the log callback is installed for connection attempts alone, where its error lines name
    /// the cause of a failure (`attemptErrors`), and removed at CONNACK (`MosquittoHandle.setLibraryLog`).
    let libraryLogWhileConnected: Bool
    /// Whether libmosquitto's log callback is installed now (set only by the network thread, read by anyone).
    let libraryLogInstalled = Atomic<Bool>(true)
    /// Runs the blocking calls (`pthread_join` of the network thread, `mosquitto_destroy`) off Swift's
    /// cooperative pool.
    let blockingQueue: DispatchQueue
    /// Runs what task cancellation handlers and `AsyncStream` terminations must do under `state`. They are called
    /// while the Swift runtime holds the cancelled task's status lock, and resuming a continuation under `state`
    /// (which every callback does) needs that same lock: taking `state` right there would be a lock-order
    /// inversion, a deadlock seen when a shutdown cancelled a task waiting for a PUBACK just as the PUBACK came.
    let cancellationQueue: DispatchQueue

    /// - Throws: `MQTTError.libmosquitto` naming `eventfd` when the network thread's wake-up cannot be made.
    init(configuration: MQTTClientConfiguration, logger: Logger) throws(MQTTError) {
        self.networkWakeup = try NetworkWakeup()
        self.configuration = configuration
        self.logger = logger
        self.libraryLogWhileConnected = logger.logLevel <= .debug
        self.state = Mutex(ClientState(link: Self.newLink(configuration)))
        self.blockingQueue = DispatchQueue(label: "pro380-mqtt.mqtt.\(configuration.clientID)")
        self.cancellationQueue = DispatchQueue(label: "pro380-mqtt.mqtt-cancellation.\(configuration.clientID)")
    }

    /// A fresh connection state machine for a new network thread.
    static func newLink(_ configuration: MQTTClientConfiguration) -> ConnectionStateMachine {
        ConnectionStateMachine(
            backoff: configuration.reconnectDelay,
            connectTimeout: configuration.connectTimeout
        )
    }

    /// `duration` in seconds with one decimal, rounded down ("12.3"), for the log lines of an outage.
    static func tenthsOfSeconds(_ duration: Duration) -> String {
        let parts = duration.components
        let tenths = parts.seconds * 10 + parts.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Tells the network thread that libmosquitto holds packets to write (a publish, a (un)subscribe): while
    /// connected it waits on the socket and this wake-up only, not on libmosquitto's socket pair
    /// (`serviceConnection`).
    func wakeNetwork() {
        networkWakeup.signal()
    }

    /// Counts a message about to be handed to libmosquitto by `publish`: a QoS 1/2 acknowledgement due
    /// (`acknowledgementsDue`), a QoS 0 message unwritten (`sendQueue`). Raised before the call, since the network
    /// thread's on_publish may come before it returns.
    func handingOver(_ qos: QoS) {
        if qos == .atMostOnce {
            sendQueue.handingOver()
        } else {
            acknowledgementsDue.handingOver()
        }
    }

    /// libmosquitto refused the message counted by `handingOver`.
    func notHandedOver(_ qos: QoS) {
        if qos == .atMostOnce {
            sendQueue.remove()
        } else {
            acknowledgementsDue.remove()
        }
    }

    /// Runs `body` under `state` soon, on `cancellationQueue`: for cancellation handlers and stream terminations.
    func withStateLater(_ body: @escaping @Sendable (inout ClientState) -> Void) {
        cancellationQueue.async { [self] in state.withLock { body(&$0) } }
    }

    /// Runs `body` on `blockingQueue` and returns its result.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            blockingQueue.async { continuation.resume(returning: body()) }
        }
    }

    /// CONNACK: on success publish the birth message, restore the subscriptions, then report `.connected`, all
    /// under the lock so no `publish` from another thread gets in before the birth message.
    func handleConnect(_ handle: MosquittoHandle, rc: Int32) {
        state.withLock { state in
            state.networkThreadID = ThreadIdentity.current
            guard state.lifecycle == .open else { return }
            guard rc == 0 else {
                // libmosquitto closes the socket after this callback; the network thread reports the end.
                let reason = connackReason(rc)
                state.endReason = "refused: \(reason)"
                state.refusal = .connectionRefused(reason: reason)
                return
            }
            // What the last connection left unwritten was freed by mosquitto_reconnect.
            sendQueue.reset()
            if let birth = configuration.birth {
                var mid: Int32 = 0
                // mosquitto.h, Topic: Threads: "libmosquitto provides thread safe operation"; publishing from a
                // callback only queues the packet for this network thread.
                if birth.qos == .atMostOnce { sendQueue.handingOver() }
                let rc = handle.publish(birth, properties: nil, mid: &mid)
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    if birth.qos == .atMostOnce { sendQueue.remove() }
                    logger.error("MQTT birth message not sent", metadata: ["error": "\(MosquittoHandle.describe(rc))"])
                }
            }
            resubscribe(handle, &state)
            if !libraryLogWhileConnected { setLibraryLog(false, handle) }
            let broker: Logger.Metadata = ["broker": "\(configuration.host):\(configuration.port)"]
            if let lostAt = state.connectionLostAt {
                logger.notice(
                    "MQTT connected again after \(Self.tenthsOfSeconds(.now - lostAt)) s without a connection",
                    metadata: broker
                )
            } else {
                logger.info("MQTT connected", metadata: broker)
            }
            state.connectionLostAt = nil
            state.link.connackAccepted()
            state.endReason = nil
            state.refusal = nil
            state.reconnectFailureLogged = false
            state.reconnectCeilingLogged = false
            libraryErrorsLogged.withLock { $0.removeAll() }
            state.setConnection(.connected)
            state.resolveConnect(.success(()))
        }
        sendQueue.recheck()
    }

    private func resubscribe(_ handle: MosquittoHandle, _ state: inout ClientState) {
        for qos in QoS.allCases {
            let filters = state.subscriptions.filter { $0.qos == qos }.map(\.filter)
            guard !filters.isEmpty else { continue }
            var mid: Int32 = 0
            let rc = handle.subscribe(filters, qos: qos, version: configuration.protocolVersion, mid: &mid)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                state.pendingSubscribes[mid] = .init(filters: filters, continuation: nil)
            } else {
                logger.error("MQTT re-subscribe failed", metadata: ["error": "\(MosquittoHandle.describe(rc))"])
            }
        }
    }

    /// The socket closed (DISCONNECT from the broker, network error, keep-alive, or our own DISCONNECT). A broker's
    /// DISCONNECT reason (MQTT 5 reason code >= 0x80) is kept for the network thread, which reports the end once
    /// `mosquitto_loop` returns; any other `rc` is the loop's own result, which the thread describes itself.
    func handleDisconnect(rc: Int32) {
        guard rc >= 0x80 else { return }
        state.withLock { state in
            if state.endReason == nil { state.endReason = disconnectReason(rc) }
        }
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2), or a QoS 0 message written to the socket: resumes its publisher.
    ///
    /// The continuation is resumed after the lock is released: resuming takes the Swift runtime's lock of the
    /// waiting task, and a task being cancelled holds that lock while an `AsyncStream`'s termination handler takes
    /// this one (`messages()`), so resuming under the lock could deadlock.
    /// A message of a batch (`publish(batch:)`) only counts; its batch's collector is resumed with the last one.
    func handlePublish(mid: Int32, reasonCode: Int32) {
        let refusal = reasonCode >= 0x80 ? String(cString: mosquitto_reason_string(reasonCode)) : nil
        enum Resume {
            case single(CheckedContinuation<Void, any Error>)
            case batch(CheckedContinuation<[PublishOutcome], Never>, [PublishOutcome])
            /// A QoS 0 message written (nobody waits for it).
            case written
        }
        guard acknowledgementsDue.count > 0 else {
            sendQueue.done()
            return
        }
        let resume: Resume? = state.withLock { state in
            let pending = state.pendingPublishes.removeValue(forKey: mid)
            if pending != nil { acknowledgementsDue.remove() }
            switch pending {
            case nil: return .written
            case .single(let continuation): return .single(continuation)
            case .batch(let id, let index):
                return state.acknowledge(batch: id, index: index, refusal.map(PublishOutcome.refused) ?? .delivered)
                    .map(Resume.batch)
            }
        }
        // Lowered under the lock, its waiter woken after it (a wake-up resumes a task).
        acknowledgementsDue.recheck()
        switch resume {
        case nil: break
        case .written: sendQueue.done()
        case .single(let continuation):
            if let refusal {
                continuation.resume(throwing: MQTTError.publishFailed(refusal))
            } else {
                continuation.resume()
            }
        case .batch(let continuation, let outcomes): continuation.resume(returning: outcomes)
        }
    }

    /// SUBACK: one granted QoS or failure reason code per filter, in the order sent.
    func handleSubscribe(mid: Int32, granted: [Int32]) {
        state.withLock { state in
            guard let pending = state.pendingSubscribes.removeValue(forKey: mid) else { return }
            let failures = zip(pending.filters, granted).filter { $0.1 >= 0x80 }
            guard !failures.isEmpty else {
                pending.continuation?.resume()
                return
            }
            let reason = failures.map { "\($0.0): \(String(cString: mosquitto_reason_string($0.1)))" }
                .joined(separator: ", ")
            guard let continuation = pending.continuation else {
                logger.error("MQTT re-subscribe refused", metadata: ["reason": "\(reason)"])
                return
            }
            let refused = Set(failures.map(\.0))
            state.subscriptions.removeAll { refused.contains($0.filter) }
            continuation.resume(throwing: MQTTError.subscribeFailed(reason))
        }
    }

    /// An incoming PUBLISH, already copied: hands it to every message stream.
    func handleMessage(_ message: MQTTMessage) {
        let sinks = state.withLock { Array($0.messageSinks.values) }
        for sink in sinks { sink.yield(message) }
    }

    /// Installs or removes libmosquitto's log callback (network thread only) and records which it is.
    func setLibraryLog(_ installed: Bool, _ handle: MosquittoHandle) {
        guard libraryLogInstalled.load(ordering: .relaxed) != installed else { return }
        handle.setLibraryLog(installed)
        libraryLogInstalled.store(installed, ordering: .relaxed)
    }

    /// libmosquitto's own log lines, at debug/trace level except for errors (each text once per outage, repeats at
    /// debug) and warnings. Error lines are also kept for the current attempt (`attemptErrors`): a failed TLS
    /// handshake is described from them. While connected they come only when the logger shows debug lines
    /// (`libraryLogWhileConnected`).
    func handleLog(level: Int32, text: String) {
        switch level {
        case MOSQ_LOG_ERR:
            // Once per outage at error level: a broker that refuses every attempt (a wrong CA) would otherwise log
            // the same OpenSSL line at every retry, forever; the repeats go to debug.
            let first = libraryErrorsLogged.withLock { logged in
                if logged.count >= 32 { logged.removeAll() }
                return logged.insert(text).inserted
            }
            logger.log(level: first ? .error : .debug, "libmosquitto: \(text)")
            attemptErrors.withLock { lines in
                lines.append(text)
                if lines.count > 8 { lines.removeFirst(lines.count - 8) }
            }
        case MOSQ_LOG_WARNING: logger.warning("libmosquitto: \(text)")
        case MOSQ_LOG_DEBUG: logger.trace("libmosquitto: \(text)")
        default: logger.debug("libmosquitto: \(text)")
        }
    }

    private func connackReason(_ rc: Int32) -> String {
        switch configuration.protocolVersion {
        case .v5: String(cString: mosquitto_reason_string(rc))
        case .v311: String(cString: mosquitto_connack_string(rc))
        }
    }

    /// The text of a broker DISCONNECT's MQTT 5 reason code.
    private func disconnectReason(_ rc: Int32) -> String {
        "the broker disconnected: \(String(cString: mosquitto_reason_string(rc)))"
    }
}
