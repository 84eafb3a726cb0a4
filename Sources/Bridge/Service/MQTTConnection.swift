import Logging
import MQTT

/// The MQTT client's own part of the bridge: the first connection, the broker's state for the service manager, the
/// watch for a duplicate client id, and the shutdown of the client (disconnect, stop and join its network thread;
/// bounded: `MQTTClient.shutdown`), which comes last.
struct MQTTConnection: Sendable {
    let client: MQTTClient
    let settings: MQTTSettings
    /// Told whether the broker is connected, for the service manager.
    let status: BridgeStatus
    let logger: Logger

    /// Connects, then watches the connection until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await connect() }
            group.addTask { await watchForConnectionFlapping() }
        }
    }

    /// Tries the first connection until it works (the client's network thread reconnects by itself after that, with
    /// the same back-off and `mqtt.connect_timeout` per attempt); polling runs meanwhile and readings wait in the
    /// publisher's queue.
    private func connect() async {
        var delay = Duration.seconds(1)
        var attempts = 0
        while !Task.isCancelled {
            attempts += 1
            do {
                try await client.connect()
                logger.notice("connected to the broker \(settings.host):\(settings.port)")
                return
            } catch {
                // A shutdown cancels the attempt: nothing to report, and no retry.
                if Task.isCancelled || error is CancellationError { return }
                // Logged once; the retries repeat at debug level.
                logger.log(
                    level: attempts == 1 ? .error : .debug,
                    "broker not reachable (\(error)); polling anyway, readings wait in the queue; retrying with a back-off of 1 s up to 30 s"
                )
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(30))
        }
    }

    /// Says plainly when the broker keeps dropping the connection right after connecting: the usual cause is a
    /// second bridge with the same client id (the broker ends the older session whenever the other connects).
    private func watchForConnectionFlapping() async {
        var drops: [ContinuousClock.Instant] = []
        var warned = false
        var wasConnected = false
        for await state in client.connectionStates() {
            status.brokerConnected = state == .connected
            // Only the end of an accepted session is a drop; a refused or failed attempt (a broker that is down) is
            // the connect loop's to report.
            defer { wasConnected = state == .connected }
            guard case .disconnected = state, wasConnected else { continue }
            let now = ContinuousClock.now
            drops = drops.filter { now - $0 < .seconds(60) } + [now]
            if drops.count >= 5, !warned {
                warned = true
                logger.error(
                    "the broker dropped the connection \(drops.count) times in a minute: is another client using client_id \(settings.clientID)? Every bridge instance needs its own."
                )
            }
            if drops.count < 2 { warned = false }
        }
    }
}
