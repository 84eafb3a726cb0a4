import Foundation
package import Logging
package import MQTT
import PRO380
import ServiceLifecycle

/// The daemon: one MQTT client, one bus session per bus, one poller per meter, the command handler and the
/// diagnostics publisher, run until graceful shutdown.
///
/// Shutdown order (SIGINT/SIGTERM): pollers stop at their next transaction boundary (a transaction in flight
/// finishes), meters and the bridge are published `offline` (retained), the queue is flushed as far as the
/// broker allows within `shutdownFlushGrace`, then the client disconnects (bounded too: `MQTTClient.shutdown`).
/// So the process ends within 10 s whatever the broker does (gone, refusing, never answering).
package final class BridgeService: Service {
    package let configuration: BridgeConfiguration
    private let logger: Logger
    /// How long shutdown waits for the broker to acknowledge the last messages (`offline`, queued readings).
    package static let shutdownFlushGrace = Duration.seconds(3)

    package init(configuration: BridgeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The MQTT client settings for this config: will = `offline` and birth = `online` on the bridge state topic.
    package static func clientConfiguration(_ settings: MQTTSettings, topics: TopicLayout) -> MQTTClientConfiguration {
        var c = MQTTClientConfiguration(clientID: settings.clientID)
        c.host = settings.host
        c.port = settings.port
        c.keepAlive = settings.keepAlive
        c.username = settings.username
        c.password = settings.password
        c.connectTimeout = settings.connectTimeout
        c.protocolVersion = settings.version == 3 ? .v311 : .v5
        c.will = MQTTMessageDraft(topic: topics.bridgeState, payload: "offline", qos: .atLeastOnce, retain: true)
        c.birth = MQTTMessageDraft(topic: topics.bridgeState, payload: "online", qos: .atLeastOnce, retain: true)
        if let tls = settings.tls {
            c.tls = TLSConfiguration(
                caFile: tls.caFile,
                certFile: tls.certFile,
                keyFile: tls.keyFile,
                insecureSkipHostnameCheck: tls.insecure
            )
        }
        return c
    }

    package func run() async throws {
        let settings = configuration.mqtt
        let topics = TopicLayout(base: settings.baseTopic, clientID: settings.clientID)
        let client = try MQTTClient(configuration: Self.clientConfiguration(settings, topics: topics), logger: logger)
        let publisher = Publisher(
            client: client,
            topics: topics,
            qos: settings.qos == 0 ? .atMostOnce : .atLeastOnce,
            logger: logger
        )
        let buses = try configuration.buses.map { try BusSessionFactory.make($0, logger: logger) }
        let pollers = buses.flatMap { bus in
            bus.meters.map { meter in
                MeterPoller(
                    meter: meter.configuration.name,
                    driver: meter.driver,
                    intervals: meter.configuration.intervals,
                    offlineAfter: meter.configuration.offlineAfter,
                    publisher: publisher,
                    logger: Self.logger(logger, meter: meter.configuration.name)
                )
            }
        }
        logger.notice(
            "starting: \(buses.count) bus(es), \(pollers.count) meter(s), broker \(settings.host):\(settings.port)"
        )
        let commands = CommandService(
            client: client,
            publisher: publisher,
            topics: topics,
            buses: buses,
            validator: CommandValidator(maxAge: configuration.commandMaxAge),
            logger: logger
        )
        let discovery = DiscoveryService(
            client: client,
            publisher: publisher,
            topics: topics,
            settings: configuration.homeAssistant,
            buses: buses,
            logger: logger
        )

        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.connect(client) }
                group.addTask { await self.watchForConnectionFlapping(client) }
                group.addTask { await publisher.run() }
                group.addTask { await commands.run() }
                for poller in pollers { group.addTask { await poller.run() } }
                group.addTask { await discovery.run() }
                group.addTask {
                    await DiagnosticsReporter(
                        buses: buses,
                        publisher: publisher,
                        topics: topics,
                        interval: self.configuration.diagnosticsInterval
                    ).run()
                }
                await group.waitForAll()
            }
        }

        logger.notice("shutting down: publishing offline")
        for poller in pollers { await publisher.publishAvailability(meter: poller.meter, online: false) }
        let flushed = await withDeadline(Self.shutdownFlushGrace) {
            await publisher.flush()
            if client.state == .connected {
                try? await client.publish(
                    MQTTMessageDraft(topic: topics.bridgeState, payload: "offline", qos: .atLeastOnce, retain: true)
                )
            }
        }
        if !flushed {
            let unsent = await publisher.queuedCount
            logger.warning(
                "shutting down: the broker did not acknowledge within \(Self.shutdownFlushGrace); \(unsent) message(s) not sent"
            )
        }
        for bus in buses { await bus.close() }
        await client.shutdown()
    }

    /// Says plainly when the broker keeps dropping the connection right after connecting: the usual cause is a
    /// second bridge with the same client id (the broker ends the older session whenever the other connects).
    private func watchForConnectionFlapping(_ client: MQTTClient) async {
        var drops: [ContinuousClock.Instant] = []
        var warned = false
        for await state in client.connectionStates() {
            guard case .disconnected = state else { continue }
            let now = ContinuousClock.now
            drops = drops.filter { now - $0 < .seconds(60) } + [now]
            if drops.count >= 5, !warned {
                warned = true
                logger.error(
                    "the broker dropped the connection \(drops.count) times in a minute: is another client using client_id \(configuration.mqtt.clientID)? Every bridge instance needs its own."
                )
            }
            if drops.count < 2 { warned = false }
        }
    }

    private static func logger(_ base: Logger, meter: String) -> Logger {
        var logger = base
        logger[metadataKey: "meter"] = "\(meter)"
        return logger
    }

    /// Tries the first connection until it works (libmosquitto reconnects by itself after that); polling runs
    /// meanwhile and readings wait in the publisher's queue.
    private func connect(_ client: MQTTClient) async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await client.connect()
                logger.notice("connected to the broker \(configuration.mqtt.host):\(configuration.mqtt.port)")
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
}
