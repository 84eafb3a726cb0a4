import CMosquitto
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ClientContext {
    /// How long one `mosquitto_loop` pass (connecting, disconnecting) waits in select() at most: the longest a stop
    /// request or an expired connect timeout goes unnoticed while a socket is open (publishes wake the select at
    /// once).
    static let loopPassTimeoutMilliseconds: Int32 = 100
    /// How long a pass while connected (`serviceConnection`) waits at most when nothing happens: keepalive is
    /// checked that often (a broker's keepalive is counted in seconds); publishes and stop requests wake it at once.
    static let connectedPassTimeoutMilliseconds: Int32 = 1000
    /// How many `mosquitto_loop_read` calls one pass while connected makes at most before it writes and keeps alive
    /// (each reads what has arrived; a broker flooding the client must not starve the writes).
    static let maximumReadsPerPass = 1024

    /// The body of the network thread: carries out `ClientState.link`'s actions until it says `.exit`.
    ///
    /// The state lock is never held across a libmosquitto call that may run a callback (the callbacks take it).
    /// Only this thread calls `mosquitto_loop` (mosquitto.h: "It must not be called inside a callback."), the
    /// connect calls and `mosquitto_disconnect` for a stop; other threads publish and subscribe, which
    /// libmosquitto makes safe (mosquitto.h, Topic: Threads: "libmosquitto provides thread safe operation").
    func runNetworkLoop(_ handle: MosquittoHandle) {
        state.withLock { $0.networkThreadID = ThreadIdentity.current }
        while true {
            let now = ContinuousClock.now
            let (action, connected) = state.withLock { ($0.link.nextAction(now: now), $0.link.state == .connected) }
            switch action {
            case .startAttempt(let first):
                let (rc, errnoAfterCall) = startAttempt(handle, first: first)
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    state.withLock { $0.link.attemptStarted(now: .now) }
                    let socket = mosquitto_socket(handle.pointer)
                    if let failure = failedAttempt(socket: socket, errnoAfterCall: errnoAfterCall) {
                        connectionEnded(reason: failure)
                    }
                } else {
                    connectionEnded(reason: reason(for: rc, handle))
                }
            case .serviceNetwork:
                let rc =
                    connected
                    ? serviceConnection(handle)
                    : mosquitto_loop(handle.pointer, Self.loopPassTimeoutMilliseconds, 1)
                let errnoAfterCall = errno
                let socket = mosquitto_socket(handle.pointer)
                if rc != MOSQ_ERR_SUCCESS.rawValue || socket < 0 {
                    connectionEnded(reason: reason(for: rc, handle))
                } else if let failure = failedAttempt(socket: socket, errnoAfterCall: errnoAfterCall) {
                    connectionEnded(reason: failure)
                } else if acknowledgementsDue.count > 0 {
                    Self.acknowledgeAtOnce(socket)
                }
            case .abandonAttempt:
                // The socket stays libmosquitto's (closed by the next attempt or by mosquitto_destroy); shutting it
                // down here tells the mute peer at once and keeps the abandoned attempt from going on.
                let socket = mosquitto_socket(handle.pointer)
                if socket >= 0 { _ = Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
                connectionEnded(reason: "no CONNACK within \(configuration.connectTimeout)")
            case .sleep(let until):
                networkWakeup.wait(until: until)
            case .sendDisconnect:
                // mosquitto.h (mosquitto_disconnect): "Disconnect from the broker." The DISCONNECT is written by
                // the next `mosquitto_loop` passes, which close the socket after it; the broker then does not
                // publish the will.
                if mosquitto_disconnect(handle.pointer) != MOSQ_ERR_SUCCESS.rawValue {
                    state.withLock { _ = $0.link.connectionEnded(now: .now) }
                }
            case .exit:
                return
            }
        }
    }

    /// One pass while the broker has accepted the connection: waits (`poll`) until the socket is readable, or
    /// writable while libmosquitto holds packets to write, or `networkWakeup` is signalled, at most
    /// `connectedPassTimeoutMilliseconds`; then reads, writes and keeps alive with the calls mosquitto.h offers for
    /// an external event loop (`mosquitto_loop_read`, `mosquitto_loop_write`, `mosquitto_loop_misc`, with
    /// `mosquitto_socket` and `mosquitto_want_write`).
    ///
    /// Why not `mosquitto_loop` here too: every `mosquitto_publish` writes one byte to libmosquitto's internal
    /// socket pair to wake the loop, and `mosquitto_loop` reads one byte per pass, so a poll of 70 readings woke
    /// this thread and made it run about 70 `select` passes (docs/performance.md, stop 25). Here the client signals
    /// `networkWakeup` once per batch. libmosquitto still writes its byte per publish; nobody reads the pair while
    /// connected, so once its kernel buffer is full (a few hundred bytes in about 200 KiB of kernel memory) those
    /// non-blocking writes fail at once, which libmosquitto ignores but for the `errno` they leave (see the reads
    /// below); `mosquitto_loop`, used again while
    /// reconnecting, reads them off one per pass.
    /// - Returns: libmosquitto's result (`MOSQ_ERR_SUCCESS`, or why the connection ended; the socket is closed
    ///   then), `MOSQ_ERR_ERRNO` when `poll` failed.
    private func serviceConnection(_ handle: MosquittoHandle) -> Int32 {
        let socket = mosquitto_socket(handle.pointer)
        guard socket >= 0 else { return MOSQ_ERR_NO_CONN.rawValue }
        let socketEvents = withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { entries -> Int16? in
            let writing = mosquitto_want_write(handle.pointer) ? Int16(POLLOUT) : 0
            entries[0] = pollfd(fd: socket, events: Int16(POLLIN) | writing, revents: 0)
            entries[1] = pollfd(fd: networkWakeup.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(entries.baseAddress, 2, Self.connectedPassTimeoutMilliseconds) >= 0 || errno == EINTR else {
                return nil
            }
            if entries[1].revents != 0 { networkWakeup.clear() }
            return entries[0].revents
        }
        guard let socketEvents else { return MOSQ_ERR_ERRNO.rawValue }
        if socketEvents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            // `mosquitto_loop_read` reads packets until a read finds nothing, which it tells by `errno` reading
            // EAGAIN after the packet (lib/loop.c). Handling a PUBACK writes libmosquitto's wake-up byte to its
            // socket pair, which nobody reads while connected (above): that write fails with EAGAIN, so every call
            // ended after one packet, and each PUBACK cost a whole pass (poll, TCP_QUICKACK, the eventfd). Called
            // again while the last call handled something (a callback ran), the pass reads what has arrived; the
            // call that finds nothing costs one `read`.
            for _ in 0..<Self.maximumReadsPerPass {
                let handledBefore = packetsHandled.load(ordering: .relaxed)
                let rc = mosquitto_loop_read(handle.pointer, 1)
                guard rc == MOSQ_ERR_SUCCESS.rawValue else { return rc }
                guard packetsHandled.load(ordering: .relaxed) != handledBefore else { break }
            }
        }
        // Written at once, not after one more poll: a wake-up means packets are waiting, and reading may have
        // queued some (a PUBACK for a command message).
        if mosquitto_want_write(handle.pointer) {
            let rc = mosquitto_loop_write(handle.pointer, 1)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return rc }
        }
        return mosquitto_loop_misc(handle.pointer)
    }

    /// Asks the kernel to acknowledge what the broker sends at once (`TCP_QUICKACK`, tcp(7)), after every pass.
    ///
    /// Why: a broker with Nagle's algorithm on (mosquitto's default, `set_tcp_nodelay false`) holds its next PUBACK
    /// until the previous segment is acknowledged, and Linux delays that acknowledgement up to 40 ms while the
    /// bridge has nothing to send, which is exactly when it waits for PUBACKs (backpressure, the outbox's replay).
    /// QoS 1 then ran at about one window of messages per 40 ms (measured: 1,400-2,300 against 14,400 values/s flat
    /// out, docs/performance.md). The kernel leaves quick-ACK mode on its own, so it is set again after each pass
    /// while acknowledgements are due (not for QoS 0, where nothing comes back); on a socket that is not TCP (none
    /// here) the call fails harmlessly.
    static func acknowledgeAtOnce(_ socket: Int32) {
        var on: Int32 = 1
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Starts a connection attempt (`mosquitto_connect_async` the first time, then `mosquitto_reconnect_async`).
    ///
    /// A TLS handshake normally completes in `mosquitto_loop`, where a refused certificate leaves libmosquitto's
    /// `SSL` in place to read the verification result from. When the broker answers before the connect call
    /// returns (the thread was preempted after the ClientHello), the handshake fails inside that call and
    /// libmosquitto frees the `SSL`, and with it the cause; the attempt is then repeated at once, up to
    /// `lostCauseRetries` times, so the refusal can name its cause (unknown CA, hostname mismatch, ...).
    /// - Returns: libmosquitto's result and the `errno` the connect call left (for `AttemptSocket`).
    private func startAttempt(_ handle: MosquittoHandle, first: Bool) -> (rc: Int32, errno: Int32) {
        var rc: Int32 = MOSQ_ERR_SUCCESS.rawValue
        var errnoAfterCall: Int32 = 0
        // The log lines of an attempt name the cause of its failure; a CONNACK removes the callback again.
        setLibraryLog(true, handle)
        for attempt in 0...Self.lostCauseRetries {
            attemptErrors.withLock { $0.removeAll() }
            rc = first && attempt == 0 ? handle.connectAsync(configuration) : handle.reconnectAsync()
            errnoAfterCall = errno
            let causeLost = rc == MOSQ_ERR_TLS.rawValue && pro380_tls_verify_result(handle.pointer) < 0
            guard causeLost, state.withLock({ $0.lifecycle == .open }) else { break }
        }
        return (rc, errnoAfterCall)
    }

    /// Why the attempt under way lost its TCP connection although libmosquitto reported success (under TLS it
    /// does, see `AttemptSocket`), or nil: not attempting (a connection the broker accepted is libmosquitto's to
    /// report), or the connection is alive. Ending the attempt here says "Connection refused" at once, as without
    /// TLS, instead of "no CONNACK" at the connect timeout.
    private func failedAttempt(socket: Int32, errnoAfterCall: Int32) -> String? {
        guard socket >= 0, state.withLock({ if case .connecting = $0.link.state { true } else { false } }) else {
            return nil
        }
        return AttemptSocket.failure(socket: socket, errnoAfterCall: errnoAfterCall)
    }

    /// How often a TLS attempt whose handshake failed inside the connect call is repeated at once (`startAttempt`).
    /// More did not help where the cause is lost otherwise (a loaded machine lost it with 10 as with 3); then
    /// `TLSFailure` still says verification failed against the CA file.
    static let lostCauseRetries = 3

    /// The attempt failed or the connection ended: records it in the state machine and tells the first `connect`
    /// or the log (a lost connection, and the first failed reconnect of an outage) and the state streams.
    private func connectionEnded(reason fallback: String) {
        state.withLock { state in
            let reason = state.endReason ?? fallback
            let refusal = state.refusal
            state.endReason = nil
            state.refusal = nil
            let wasConnected = state.connection == .connected
            let delay = state.link.connectionEnded(now: .now)
            guard state.lifecycle == .open, let delay else { return }
            if state.firstConnectPending {
                // The first `connect` throws this; its caller decides what to say.
                state.resolveConnect(
                    .failure(
                        refusal ?? .connectFailed(host: configuration.host, port: configuration.port, reason: reason)
                    )
                )
                logger.debug("MQTT connection attempt failed", metadata: ["reason": "\(reason)"])
            } else if wasConnected {
                state.connectionLostAt = .now
                logger.warning(
                    "MQTT connection lost; reconnecting in \(delay)",
                    metadata: ["reason": "\(reason)"]
                )
            } else if state.reconnectFailureLogged, !state.reconnectCeilingLogged,
                delay >= configuration.reconnectDelay.upperBound
            {
                // Once more when the retries reach their longest delay: whoever brings the broker back knows how
                // long the client may take to notice (a newcomer restarting the demo's broker waited 27 s).
                let outage = state.connectionLostAt.map { " after \(Self.tenthsOfSeconds(.now - $0)) s" } ?? ""
                logger.notice(
                    "MQTT still no connection to \(configuration.host):\(configuration.port)\(outage); retrying every \(delay) until it answers",
                    metadata: ["reason": "\(reason)"]
                )
                state.reconnectCeilingLogged = true
            } else {
                // Once while the outage lasts; the retries repeat at debug level.
                logger.log(
                    level: state.reconnectFailureLogged ? .debug : .warning,
                    "MQTT reconnect to \(configuration.host):\(configuration.port) failed; next attempt in \(delay)",
                    metadata: ["reason": "\(reason)"]
                )
                state.reconnectFailureLogged = true
            }
            state.setConnection(.disconnected(reason: reason))
            state.failPendingSubscribes(.subscribeFailed("connection lost before SUBACK; restored on reconnect"))
        }
    }

    /// Words for a `mosquitto_loop` result; a TLS failure is described from the handshake's verification result,
    /// and any other failure that OpenSSL reported (a TLS alert from the broker, such as "certificate required")
    /// carries OpenSSL's line.
    private func reason(for rc: Int32, _ handle: MosquittoHandle) -> String {
        let text = MosquittoHandle.describe(rc)  // first: it reads errno
        let errors = attemptErrors.withLock { $0 }
        let handshakeFailed =
            rc == MOSQ_ERR_TLS.rawValue || errors.contains { $0.contains("host name verification failed") }
        guard handshakeFailed else {
            return TLSFailure.describeAlert(errorLog: errors).map { "\(text) (\($0))" } ?? text
        }
        return TLSFailure.describe(
            verifyResult: pro380_tls_verify_result(handle.pointer),
            errorLog: errors,
            host: configuration.host,
            caFile: configuration.tls?.caFile ?? "-"
        )
    }
}
