import Logging
import MQTT

/// The MQTT client's own part of the bridge: the first connection, the watch for a duplicate client id, and the
/// shutdown of the client (disconnect, stop libmosquitto's thread), which comes last.
struct MQTTConnection: Sendable {
    let client: MQTTClient
    let settings: MQTTSettings
    let logger: Logger

    /// Connects, then watches the connection until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await connect() }
            group.addTask { await watchForConnectionFlapping() }
        }
    }

    /// Tries the first connection until it works (libmosquitto reconnects by itself after that); polling runs
    /// meanwhile and readings wait in the publisher's queue.
    private func connect() async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await client.connect()
                logger.notice("connected to the broker \(settings.host):\(settings.port)")
                return
            } catch {
                logger.error(
                    "broker not reachable (\(error)); polling anyway, readings wait in the queue; retrying in \(delay)"
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
        for await state in client.connectionStates() {
            guard case .disconnected = state else { continue }
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
