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
    let state = Mutex(ClientState())
    /// Runs the blocking libmosquitto calls (`mosquitto_connect_async` resolves the host name,
    /// `mosquitto_loop_stop` joins the network thread) off Swift's cooperative pool.
    let blockingQueue: DispatchQueue

    init(configuration: MQTTClientConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.blockingQueue = DispatchQueue(label: "pro380-mqtt.mqtt.\(configuration.clientID)")
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
            state.networkThreadID = pro380_gettid()
            guard state.lifecycle == .open else { return }
            guard rc == 0 else {
                let reason = connackReason(rc)
                logger.warning("MQTT broker refused the connection", metadata: ["reason": "\(reason)"])
                state.setConnection(.disconnected(reason: "refused: \(reason)"))
                state.resolveConnect(.failure(MQTTError.connectionRefused(reason: reason)))
                return
            }
            if let birth = configuration.birth {
                var mid: Int32 = 0
                // mosquitto.h, Topic: Threads: "libmosquitto provides thread safe operation"; publishing from a
                // callback only queues the packet for this network thread.
                let rc = handle.publish(birth, properties: nil, mid: &mid)
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    logger.error("MQTT birth message not sent", metadata: ["error": "\(MosquittoHandle.describe(rc))"])
                }
            }
            resubscribe(handle, &state)
            logger.info("MQTT connected", metadata: ["broker": "\(configuration.host):\(configuration.port)"])
            state.setConnection(.connected)
            state.resolveConnect(.success(()))
        }
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

    /// The connection ended (DISCONNECT from the broker, network error, or a refused CONNACK's aftermath).
    func handleDisconnect(rc: Int32) {
        state.withLock { state in
            guard state.lifecycle == .open else { return }
            let reason = rc == 0 ? "disconnected" : disconnectReason(rc)
            if case .disconnected = state.connection {
            } else {
                logger.warning("MQTT connection lost", metadata: ["reason": "\(reason)"])
                state.setConnection(.disconnected(reason: reason))
            }
            state.resolveConnect(
                .failure(MQTTError.connectFailed(host: configuration.host, port: configuration.port, reason: reason))
            )
            state.failPendingSubscribes(.subscribeFailed("connection lost before SUBACK; restored on reconnect"))
        }
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2), or a QoS 0 message written to the socket: resumes its publisher.
    ///
    /// The continuation is resumed after the lock is released: resuming takes the Swift runtime's lock of the
    /// waiting task, and a task being cancelled holds that lock while an `AsyncStream`'s termination handler takes
    /// this one (`messages()`), so resuming under the lock could deadlock.
    func handlePublish(mid: Int32, reasonCode: Int32) {
        guard let continuation = state.withLock({ $0.pendingPublishes.removeValue(forKey: mid) }) else { return }
        if reasonCode >= 0x80 {
            continuation.resume(throwing: MQTTError.publishFailed(String(cString: mosquitto_reason_string(reasonCode))))
        } else {
            continuation.resume()
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

    /// libmosquitto's own log lines, at debug/trace level except for errors and warnings.
    ///
    /// An error line while the first connect waits ends that wait: a failed TLS handshake makes libmosquitto's
    /// network thread exit without an on_disconnect, and this line ("OpenSSL Error ... certificate verify failed")
    /// is the only sign of it. The lock is only tried: this callback can also run on a thread inside
    /// `mosquitto_publish_v5` that already holds it; if it is busy, the connect timeout still applies.
    func handleLog(level: Int32, text: String) {
        switch level {
        case MOSQ_LOG_ERR:
            logger.error("libmosquitto: \(text)")
            _ = state.withLockIfAvailable { state in
                state.resolveConnect(
                    .failure(MQTTError.connectFailed(host: configuration.host, port: configuration.port, reason: text))
                )
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

    /// On MQTT 5 a broker DISCONNECT passes its reason code (>= 0x80); otherwise `rc` is a `MOSQ_ERR_*`.
    private func disconnectReason(_ rc: Int32) -> String {
        rc >= 0x80 ? String(cString: mosquitto_reason_string(rc)) : String(cString: mosquitto_strerror(rc))
    }
}
