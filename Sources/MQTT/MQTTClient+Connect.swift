import CMosquitto
import Synchronization

extension MQTTClient {
    /// Connects for the first time and starts the network thread.
    ///
    /// Returns once the broker accepted the connection (CONNACK success), after the birth message was queued and
    /// the state became `.connected`. From then on the network thread reconnects by itself after any loss, with
    /// the configured back-off and connect timeout, until `shutdown()`. Calling it while connected returns at once.
    /// - Parameter timeout: how long to wait for the CONNACK; `configuration.connectTimeout` when nil.
    /// - Throws: `MQTTError.connectFailed` when the broker cannot be reached, the TLS handshake fails (the reason
    ///   names the cause: unknown CA, hostname mismatch, ...) or no CONNACK comes within the timeout;
    ///   `MQTTError.connectionRefused` when the broker refuses (credentials, not authorized);
    ///   `MQTTError.shutDown` after `shutdown()`; `CancellationError` when the task is cancelled. On any failure the
    ///   network thread is stopped and joined again and the client stays usable for another `connect`.
    package func connect(timeout: Duration? = nil) async throws {
        let configuration = context.configuration
        let timeout = timeout ?? configuration.connectTimeout
        let alreadyConnected = try context.state.withLock { state throws(MQTTError) -> Bool in
            guard state.lifecycle == .open else { throw .shutDown }
            guard state.network == nil else {
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
            try startNetworkThread()
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

    /// Starts the network thread with a fresh connection state machine; it makes the first attempt at once.
    private func startNetworkThread() throws(MQTTError) {
        let (context, handle) = (self.context, self.handle)
        try context.state.withLock { state throws(MQTTError) in
            guard state.lifecycle == .open else { throw .shutDown }
            state.link = ClientContext.newLink(context.configuration)
            // Under the lock, so `shutdown()` finds the thread it must stop and join.
            state.network = try NetworkThread.start(name: "mqtt-network", wakeup: context.networkWakeup) {
                context.runNetworkLoop(handle)
            }
        }
    }

    /// Undoes a failed first connect: stops and joins the network thread (unless `shutdown()` claimed it).
    private func stopNetworkThreadAfterFailedConnect(_ error: any Error) async {
        let thread = context.state.withLock { state -> NetworkThread? in
            state.connectWaiter = .idle
            if state.lifecycle == .open {
                state.setConnection(.disconnected(reason: "\(error)"))
            }
            guard state.lifecycle == .open, let thread = state.network else { return nil }
            state.link.requestStop()
            return thread
        }
        guard let thread else { return }
        thread.wake()
        // The thread stays in `state.network` until joined, so a `shutdown()` meanwhile joins it too (a second
        // join waits for the first) before it destroys the handle.
        await context.runBlocking { thread.join() }
        context.state.withLock { state in
            if state.network === thread { state.network = nil }
        }
    }
}
