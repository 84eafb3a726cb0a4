import CMosquitto
import Logging
import Synchronization

extension MQTTClient {
    /// Stops the client for good, in order: the network thread sends DISCONNECT when connected (so the broker
    /// does not publish the will) and ends, the thread is joined, then `mosquitto_destroy` and the release of the
    /// callback context. Publishes nothing itself.
    ///
    /// Bounded whatever the broker does: the thread sees the stop request within one `mosquitto_loop` pass
    /// (100 ms) or at once while it waits out a back-off, and waits at most 2 s for the DISCONNECT to go out; a
    /// connection attempt in flight is dropped. Only a host name lookup in progress (getaddrinfo, when `host` is a
    /// name) can delay it further, up to the resolver's own timeout.
    ///
    /// Afterwards every pending QoS 1/2 `publish`, `subscribe` and `connect` throws `MQTTError.shutDown`, every
    /// stream is finished and `state` is `.shutDown`. Idempotent: later or concurrent calls wait for the first.
    package func shutdown() async {
        let (context, handle, reference) = (self.context, self.handle, self.contextReference)
        enum Step {
            case run(NetworkThread?)
            case wait, done
        }
        let step = context.state.withLock { state -> Step in
            switch state.lifecycle {
            case .shutDown: return .done
            case .shuttingDown: return .wait
            case .open:
                state.lifecycle = .shuttingDown
                state.link.requestStop()
                defer { state.network = nil }
                return .run(state.network)
            }
        }
        switch step {
        case .done:
            return
        case .wait:
            await withCheckedContinuation { continuation in
                context.state.withLock { state in
                    if state.lifecycle == .shutDown {
                        continuation.resume()
                    } else {
                        state.shutdownWaiters.append(continuation)
                    }
                }
            }
        case .run(let thread):
            thread?.wake()
            await context.runBlocking {
                // Joined, never cancelled: a cancelled thread may die inside a callback holding our mutex, and
                // mosquitto_destroy must not be what stops it.
                thread?.join()
                handle.destroy()
            }
            // No callback can run any more: the network thread is joined and the handle destroyed.
            reference.release()
            let finishStreams = context.state.withLock { $0.finishShutdown() }
            finishStreams()
            context.logger.info("MQTT client shut down")
        }
    }
}
