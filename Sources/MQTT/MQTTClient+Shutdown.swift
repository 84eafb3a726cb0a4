import CMosquitto
import Logging
import Synchronization

extension MQTTClient {
    /// Stops the client for good, in order: `mosquitto_disconnect` (a clean DISCONNECT, so the broker does not
    /// publish the will), `mosquitto_loop_stop(handle, false)` joining the network thread, `mosquitto_destroy`,
    /// then the release of the callback context. Publishes nothing itself.
    ///
    /// Afterwards every pending QoS 1/2 `publish`, `subscribe` and `connect` throws `MQTTError.shutDown`, every
    /// stream is finished and `state` is `.shutDown`. Idempotent: later or concurrent calls wait for the first.
    package func shutdown() async {
        let (context, handle, reference) = (self.context, self.handle, self.contextReference)
        enum Step {
            case run(stopLoop: Bool)
            case wait, done
        }
        let step = context.state.withLock { state -> Step in
            switch state.lifecycle {
            case .shutDown: return .done
            case .shuttingDown: return .wait
            case .open:
                state.lifecycle = .shuttingDown
                defer { state.loopRunning = false }
                return .run(stopLoop: state.loopRunning)
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
        case .run(let stopLoop):
            await context.runBlocking {
                if stopLoop {
                    mosquitto_disconnect(handle.pointer)
                    // mosquitto.h (mosquitto_loop_stop): "This call will block until the network thread finishes.
                    // For the network thread to end, you must have previously called <mosquitto_disconnect>".
                    // Never `force`: a cancelled thread may die inside a callback holding our mutex.
                    mosquitto_loop_stop(handle.pointer, false)
                }
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
