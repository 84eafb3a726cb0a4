import CMosquitto
import Synchronization

extension MQTTClient {
    /// Connects for the first time and starts libmosquitto's network thread.
    ///
    /// Returns once the broker accepted the connection (CONNACK success), after the birth message was queued and
    /// the state became `.connected`. From then on the network thread reconnects by itself after any loss, with
    /// the configured back-off, until `shutdown()`. Calling it while connected returns at once.
    /// - Parameter timeout: how long to wait for the CONNACK.
    /// - Throws: `MQTTError.connectFailed` when the broker cannot be reached or no CONNACK comes within `timeout`;
    ///   `MQTTError.connectionRefused` when the broker refuses (credentials, not authorized);
    ///   `MQTTError.shutDown` after `shutdown()`; `CancellationError` when the task is cancelled. On any failure the
    ///   network thread is stopped again and the client stays usable for another `connect`.
    package func connect(timeout: Duration = .seconds(10)) async throws {
        let configuration = context.configuration
        let alreadyConnected = try context.state.withLock { state throws(MQTTError) -> Bool in
            guard state.lifecycle == .open else { throw .shutDown }
            guard !state.loopRunning else {
                if state.connection == .connected { return true }
                throw .connectFailed(
                    host: configuration.host,
                    port: configuration.port,
                    reason: "a connection attempt is under way"
                )
            }
            state.connectWaiter = .armed
            state.setConnection(.connecting)
            return false
        }
        if alreadyConnected { return }
        do {
            try await startNetworkThread()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [context] in
                    try await withCheckedThrowingContinuation { continuation in
                        context.state.withLock { $0.awaitConnect(continuation) }
                    }
                }
                group.addTask { [context] in
                    let failure: any Error
                    do {
                        try await Task.sleep(for: timeout)
                        failure = MQTTError.connectFailed(
                            host: configuration.host,
                            port: configuration.port,
                            reason: "no CONNACK within \(timeout)"
                        )
                    } catch {
                        failure = error
                    }
                    context.state.withLock { $0.resolveConnect(.failure(failure)) }
                    // Thrown here too: `group.next()` may deliver this child first, and a task group drops the
                    // errors of children it does not await.
                    throw failure
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await stopNetworkThreadAfterFailedConnect(error)
            throw error
        }
    }

    /// `mosquitto_connect_async` on the blocking queue (it resolves the host name), then `mosquitto_loop_start`.
    private func startNetworkThread() async throws {
        let configuration = context.configuration
        let (context, handle) = (self.context, self.handle)
        let started: Result<Void, MQTTError> = await context.runBlocking {
            // Checked on the serial queue that also runs shutdown's destroy, so the handle is still alive here.
            guard context.state.withLock({ $0.lifecycle == .open }) else { return .failure(.shutDown) }
            let rc = handle.connectAsync(configuration)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                return .failure(
                    .connectFailed(
                        host: configuration.host,
                        port: configuration.port,
                        reason: MosquittoHandle.describe(rc)
                    )
                )
            }
            return .success(())
        }
        try started.get()
        try context.state.withLock { state throws(MQTTError) in
            guard state.lifecycle == .open else { throw .shutDown }
            // mosquitto.h (mosquitto_loop_start): "Call this once to start a new thread to process network traffic."
            // Under the lock, so `shutdown()` sees `loopRunning` and stops the thread it started.
            try MosquittoHandle.check(mosquitto_loop_start(handle.pointer), "mosquitto_loop_start")
            state.loopRunning = true
        }
    }

    /// Undoes a failed first connect: disconnect and join the network thread (unless `shutdown()` claimed it).
    private func stopNetworkThreadAfterFailedConnect(_ error: any Error) async {
        let handle = self.handle
        let mustStop = context.state.withLock { state -> Bool in
            state.connectWaiter = .idle
            if state.lifecycle == .open {
                state.setConnection(.disconnected(reason: "\(error)"))
            }
            guard state.loopRunning, state.lifecycle == .open else { return false }
            state.loopRunning = false
            return true
        }
        guard mustStop else { return }
        await context.runBlocking {
            mosquitto_disconnect(handle.pointer)
            // mosquitto.h (mosquitto_loop_stop): "This call will block until the network thread finishes. For the
            // network thread to end, you must have previously called <mosquitto_disconnect>".
            mosquitto_loop_stop(handle.pointer, false)
        }
    }
}
