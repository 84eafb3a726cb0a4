import CMosquitto
package import Logging
import Synchronization

/// An MQTT client over libmosquitto: connect (TLS, credentials, will, MQTT 3.1.1 or 5), publish awaiting the
/// broker's acknowledgement, subscribe, broadcast streams of messages and connection states, automatic reconnect.
///
/// Threads: the client runs one network thread of its own (`NetworkThread`, libmosquitto in threaded mode) that
/// calls `mosquitto_loop` to read, write and keep alive, reconnects with back-off, abandons an attempt that gets no
/// CONNACK within `connectTimeout`, and calls the callbacks (`ConnectionStateMachine` decides each step). The
/// client's methods may be called from any task; blocking calls (joining the thread) run on a private dispatch
/// queue, never on Swift's cooperative pool.
///
/// Lifetime: call `shutdown()` before dropping the last reference; it disconnects, joins the network thread,
/// destroys the handle and finishes every stream (house-style rule 8), within a bound whatever the broker does.
/// `deinit` only checks that it happened.
package final class MQTTClient: Sendable {
    let context: ClientContext
    let handle: MosquittoHandle
    /// The retained reference held by libmosquitto's user-data pointer, released in `shutdown()`.
    let contextReference: Unmanaged<ClientContext>

    /// Creates the libmosquitto handle and applies the configuration; does not connect.
    /// - Throws: `MQTTError.tls` for unreadable TLS files, `MQTTError.libmosquitto` for other rejected settings
    ///   (an empty `clientID` with `cleanSession` false, a topic libmosquitto refuses for the will).
    package init(configuration: MQTTClientConfiguration, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "mqtt.client"] = "\(configuration.clientID)"
        let context = try ClientContext(configuration: configuration, logger: logger)
        let reference = Unmanaged.passRetained(context)
        let handle: MosquittoHandle
        do {
            handle = try MosquittoHandle.make(
                clientID: configuration.clientID,
                cleanSession: configuration.cleanSession,
                context: reference.toOpaque()
            )
        } catch {
            reference.release()
            throw error
        }
        do {
            try handle.configure(configuration)
        } catch {
            // No network thread exists yet, so destroying here cannot cut a callback short.
            handle.destroy()
            reference.release()
            throw error
        }
        self.context = context
        self.handle = handle
        self.contextReference = reference
        if configuration.tls?.insecureSkipHostnameCheck == true {
            logger.warning(
                "TLS host name verification is off (tls.insecure): any certificate the CA signed is accepted for \(configuration.host); use it for tests only"
            )
        }
    }

    deinit {
        let lifecycle = context.state.withLock { $0.lifecycle }
        assert(lifecycle == .shutDown, "MQTTClient dropped without shutdown(); the libmosquitto handle leaks")
    }

    /// The connection state right now.
    package var state: MQTTConnectionState {
        context.state.withLock { $0.connection }
    }

    /// The configuration the client was made with.
    package var configuration: MQTTClientConfiguration { context.configuration }

    /// Whether libmosquitto's log lines reach the logger now: during connection attempts always (they name the
    /// cause of a failure), while connected only when the logger shows debug lines (`MosquittoHandle.setLibraryLog`
    /// says why).
    package var receivesLibraryLog: Bool {
        context.libraryLogInstalled.load(ordering: .relaxed)
    }

    /// The kernel thread ID (gettid) of the client's network thread, once it ran a callback; for diagnostics and
    /// for tests that check the thread is gone after `shutdown()`.
    package var networkThreadID: Int32? {
        context.state.withLock { $0.networkThreadID }
    }

    /// A new stream of every message received from now on, on any subscription of this client (broadcast: each
    /// call gets its own stream). Unbounded buffer: keep consuming it or drop it. Finishes at `shutdown()`.
    package func messages() -> AsyncStream<MQTTMessage> {
        let (stream, continuation) = AsyncStream.makeStream(of: MQTTMessage.self)
        let id: Int? = context.state.withLock { state in
            guard state.lifecycle != .shutDown else { return nil }
            state.nextSinkID += 1
            state.messageSinks[state.nextSinkID] = continuation
            return state.nextSinkID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [context] _ in
            // Possibly inside a task cancellation: not under `state` here (see `ClientContext.cancellationQueue`).
            context.withStateLater { _ = $0.messageSinks.removeValue(forKey: id) }
        }
        return stream
    }

    /// A new stream of connection states: the current state first, then every change. Finishes after `.shutDown`.
    package func connectionStates() -> AsyncStream<MQTTConnectionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: MQTTConnectionState.self)
        let id: Int? = context.state.withLock { state in
            continuation.yield(state.connection)
            guard state.lifecycle != .shutDown else { return nil }
            state.nextSinkID += 1
            state.stateSinks[state.nextSinkID] = continuation
            return state.nextSinkID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [context] _ in
            // Possibly inside a task cancellation: not under `state` here (see `ClientContext.cancellationQueue`).
            context.withStateLater { _ = $0.stateSinks.removeValue(forKey: id) }
        }
        return stream
    }
}
