import Foundation
package import Logging
package import MQTT
import Outbox
import PRO380
import ServiceLifecycle
import Synchronization

/// The daemon: the durable outbox, one MQTT client, the publisher, the command handler, discovery, the diagnostics
/// publisher, the buses (`BusFleet`: one `BusRunner` with its pollers per bus) and, under systemd, the
/// `ServiceNotifier`, each a `Service` in one `ServiceGroup`, run until graceful shutdown.
///
/// Reload (`reload(_:)`, on SIGHUP): the new config is applied to the running buses and meters (`BusFleet.apply`),
/// or refused with its reasons logged while the running config stays.
///
/// Shutdown (SIGINT/SIGTERM through the outer group, or cancelling `run()`): the services stop in the reverse of
/// the order `run()` lists them (the one place that states it): pollers stop at their next transaction boundary
/// (a transaction in flight finishes) and their meters are published `offline`, then the bridge's `offline` after
/// the outbox is flushed as far as the broker allows within `shutdownFlushGrace`, then the client disconnects
/// (bounded too: `MQTTClient.shutdown`), and the outbox is closed last (what was not acknowledged stays stored for
/// the next start). So the process ends within 10 s whatever the broker does (gone, refusing, never answering).
package final class BridgeService: Service {
    package let configuration: BridgeConfiguration
    /// What the bridge reports about itself while it runs (`ServiceNotifier`).
    package let status: BridgeStatus
    private let logger: Logger
    /// How long shutdown waits for the broker to acknowledge the last messages (`offline`, queued readings).
    package static let shutdownFlushGrace = Duration.seconds(3)
    /// The least time the bridge's own `offline` gets at shutdown, even when the flush used up the grace.
    static let bridgeOfflineGrace = Duration.milliseconds(500)
    /// When the publisher's turn at shutdown ends (set when it begins).
    private let shutdownDeadline = Mutex<ContinuousClock.Instant?>(nil)
    /// Tells systemd how the bridge is (`Type=notify`); `nil` when no service manager listens.
    private let notifier: ServiceNotifier?
    /// The buses while `run()` runs; `nil` before and after.
    private let fleet = Mutex<BusFleet?>(nil)

    /// - Parameter environment: where to find the service manager's socket (`NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    ///   `WATCHDOG_PID`): the daemon passes its own environment; without one, nothing is notified.
    package init(configuration: BridgeConfiguration, logger: Logger, environment: [String: String] = [:]) {
        self.configuration = configuration
        let status = BridgeStatus(meters: configuration.meters.map(\.meter.name))
        self.status = status
        self.logger = logger
        self.notifier = ServiceNotifier(status: status, environment: environment, logger: logger)
    }

    /// The MQTT client settings for this config: will = `offline` and birth = `online` on the bridge state topic.
    package static func clientConfiguration(_ settings: MQTTSettings, topics: TopicLayout) -> MQTTClientConfiguration {
        var c = settings.client
        c.will = MQTTMessageDraft(topic: topics.bridgeState, payload: "offline", qos: .atLeastOnce, retain: true)
        c.birth = MQTTMessageDraft(topic: topics.bridgeState, payload: "online", qos: .atLeastOnce, retain: true)
        return c
    }

    package func run() async throws {
        let settings = configuration.mqtt
        let topics = TopicLayout(base: settings.baseTopic, clientID: settings.clientID)
        let outbox = try openOutbox()
        let client = try MQTTClient(configuration: Self.clientConfiguration(settings, topics: topics), logger: logger)
        let publisher = Publisher(
            client: client,
            topics: topics,
            qos: settings.qos == 0 ? .atMostOnce : .atLeastOnce,
            outbox: outbox,
            replayRate: configuration.outbox.replayRate,
            writeAhead: configuration.outbox.writeAhead,
            ledger: status.ledger,
            logger: logger
        )
        let sessions = try configuration.buses.map { try BusSession($0, logger: logger) }
        let buses = BusRoster()
        let fleet = BusFleet(
            configuration: configuration,
            sessions: sessions,
            roster: buses,
            publisher: publisher,
            status: status,
            logger: logger
        )
        logger.notice(
            "starting: \(sessions.count) bus(es), \(buses.meters.count) meter(s), broker \(settings.host):\(settings.port)"
        )
        let connection = MQTTConnection(client: client, settings: settings, status: status, logger: logger)
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
        let diagnostics = DiagnosticsReporter(
            roster: buses,
            publisher: publisher,
            topics: topics,
            interval: configuration.diagnosticsInterval
        )
        // The shutdown order, stated once: the group stops its services in reverse order, so the service manager
        // hears `STOPPING=1` first (under systemd), then the buses stop (their pollers at a transaction boundary,
        // then `offline` for their meters and the bus closed; every bus the last reload left running), then
        // diagnostics, discovery and commands, then the publisher (flush, then the bridge's `offline`, within
        // `shutdownFlushGrace`), then the MQTT client (disconnect, bounded by `MQTTClient.shutdown`: no
        // acknowledgement arrives after it), and the outbox last (the file closed, its WAL checkpointed; what the
        // broker did not acknowledge stays stored for the next start).
        let parts: [any Service] =
            [
                BridgePart("outbox", body: {}, stop: { await publisher.close() }),
                BridgePart("mqtt", body: { await connection.run() }, stop: { await client.shutdown() }),
                BridgePart(
                    "publisher",
                    ending: .ask(finish: { self.finishPublishing(publisher) }),
                    body: { await publisher.run() },
                    stop: { await self.publishBridgeOffline(publisher) }
                ),
                BridgePart("commands", body: { await commands.run() }),
                BridgePart("discovery", body: { await discovery.run() }),
                BridgePart("diagnostics", body: { await diagnostics.run() }),
                BridgePart("memory", body: { await self.releasePagesAfterStartup() }),
                BridgePart(
                    "buses",
                    body: {
                        await fleet.start()
                        self.fleet.withLock { $0 = fleet }
                        try? await gracefulShutdown()
                    },
                    stop: {
                        self.fleet.withLock { $0 = nil }
                        await fleet.stop()
                    }
                ),
            ] + [notifier].compactMap { $0 }
        try await Self.runGroup(parts, logger: logger)
    }

    /// Reloads the config: `load` reads and checks the config file the daemon was started with (as at start), and
    /// the result is applied to the running bridge (`BusFleet.apply`); a file that does not check is refused with
    /// each error logged (file, line, key), as are settings only a restart applies, and the running config stays.
    /// Under systemd, `RELOADING=1` goes out first and `READY=1` when done. Call it one reload at a time, as `run`'s
    /// SIGHUP handler does.
    @discardableResult
    package func reload(_ load: () throws -> BridgeConfiguration) async -> ReloadOutcome {
        guard let fleet = fleet.withLock({ $0 }) else {
            logger.warning("reload ignored: the bridge is not running (starting or shutting down)")
            return .notRunning
        }
        notifier?.reloading()
        logger.notice("reloading the config")
        let outcome: ReloadOutcome
        do {
            let new = try load()
            for warning in new.warnings { logger.warning("\(warning.summary)", metadata: warning.logMetadata) }
            outcome = await fleet.apply(new)
        } catch let errors as ConfigurationErrors {
            outcome = .invalid(errors)
        } catch {
            outcome = .failed("\(error)")
        }
        let note = ReloadLog(logger: logger).log(outcome)
        notifier?.reloaded(note: note)
        logPageRelease(ResidentPageRelease.release(), "gave back the code pages only the reload used")
        return outcome
    }

    /// Once start-up is over (`ServiceNotifications.startupIsOver`: every meter polled once, or 30 s at the latest;
    /// then `startupSettling` more for the first connect and discovery), gives back the pages only start-up used
    /// (`ResidentPageRelease`), then those of the first minute (`firstMinuteRelease`) and every `periodicRelease`
    /// those used since, so the resident set is what the bridge keeps using.
    private func releasePagesAfterStartup() async {
        let started = ContinuousClock.now
        while !Task.isCancelled, !ServiceNotifications.startupIsOver(status.snapshot(), after: .now - started) {
            try? await Task.sleep(for: .milliseconds(250))
        }
        try? await Task.sleep(for: Self.startupSettling)
        guard !Task.isCancelled else { return }
        logPageRelease(ResidentPageRelease.release(), "gave back the code pages only start-up used")
        // What is present again a moment later is what the polls use: each such page gets a mapping of its own
        // (`PageIsolation`), so it comes back alone instead of with the 64 KiB around it (about 5 MiB less).
        try? await Task.sleep(for: Self.isolationDelay)
        guard !Task.isCancelled else { return }
        logPageRelease(
            ResidentPageRelease.release(isolatingPresentPages: true),
            "kept only the code pages in use resident"
        )
        // The work done once a minute (diagnostics at their default interval, the outbox's expiry) first runs at
        // 60 s, and its first run (type metadata made on first use, code never run before) brought about 2 MiB
        // back for the next ten minutes: one more release once it ran.
        let firstMinute = started + Self.firstMinuteRelease
        if ContinuousClock.now < firstMinute {
            try? await Task.sleep(until: firstMinute)
            guard !Task.isCancelled else { return }
            logPageRelease(
                ResidentPageRelease.release(isolatingPresentPages: true),
                "gave back the pages the first minute used",
                level: .debug
            )
        }
        // Rare paths (a reconnect and its outbox replay, commands, discovery) make pages resident again and leave
        // freed heap behind: give them back now and then.
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.periodicRelease)
            guard !Task.isCancelled else { return }
            // Not isolating: what is present now is mostly what rare paths used, and isolating it would add
            // mappings at every release; the process's mappings stay as the first minute left them.
            let outcome = ResidentPageRelease.release()
            logPageRelease(outcome, "gave back the pages used since the last release", level: .debug)
        }
    }

    /// How long after the first poll of every meter start-up counts as over.
    static let startupSettling = Duration.seconds(5)
    /// How long after the start-up release the pages present are taken for those in use and isolated: long enough
    /// for polls at the usual intervals of a few seconds; a page that missed it is isolated at a later release.
    static let isolationDelay = Duration.seconds(2)
    /// When, after start, the pages of the first run of the once-a-minute work are given back.
    static let firstMinuteRelease = Duration.seconds(70)
    /// How often, after start-up, pages used since the last release (and the heap's free pages) are given back.
    static let periodicRelease = Duration.seconds(600)

    private func logPageRelease(
        _ outcome: ResidentPageRelease.Outcome?,
        _ message: Logger.Message,
        level: Logger.Level = .info
    ) {
        guard let outcome else { return }
        logger.log(
            level: level,
            message,
            metadata: [
                "released_kib": "\(outcome.releasedKiB)", "mappings": "\(outcome.mappings)",
                "resident_kib_before": "\(outcome.residentBeforeKiB)",
                "resident_kib_after": "\(outcome.residentAfterKiB)",
                "pages_isolated": "\(outcome.pagesIsolated)", "mappings_after": "\(outcome.mappingsAfter)",
            ]
        )
    }

    /// Opens the outbox of the config; logs a damaged file moved aside, what waits from the last run and, when some
    /// of it was published by another config with this client id, where it comes from (`OutboxOrigins`).
    /// - Throws: `OutboxError.cannotOpen` when the file cannot be created or opened (a folder without permission).
    private func openOutbox() throws -> Outbox {
        let outbox = try configuration.outbox.open()
        if let recovery = outbox.recovery { logger.error("\(recovery)") }
        let waiting = outbox.statisticsAtOpen
        if let oldest = waiting.oldest, waiting.count > 0 {
            logger.notice(
                "outbox \(outbox.path): \(waiting.count) messages (\(waiting.bytes) bytes) wait from before, the oldest stored \(Timestamp.rfc3339(oldest))"
            )
        } else {
            logger.info("outbox \(outbox.path)")
        }
        let origins = OutboxOrigins(
            waiting: outbox.newestAtOpen.keys,
            topics: TopicLayout(base: configuration.mqtt.baseTopic, clientID: configuration.mqtt.clientID),
            meters: Set(configuration.meters.map(\.meter.name)),
            discoveryPrefix: configuration.homeAssistant.prefix
        )
        if let notice = origins.notice(path: outbox.path, clientID: configuration.mqtt.clientID) {
            logger.notice("\(notice)")
        }
        return outbox
    }

    /// The publisher's turn at shutdown begins: its loop sends the live messages (the meters' `offline` included),
    /// waits for their acknowledgements and ends, within `shutdownFlushGrace`.
    private func finishPublishing(_ publisher: Publisher) {
        logger.notice("shutting down: publishing offline")
        let deadline = ContinuousClock.now + Self.shutdownFlushGrace
        shutdownDeadline.withLock { $0 = deadline }
        publisher.finish(by: deadline)
    }

    /// The publisher's loop ended: the bridge's `offline` goes out, within what is left of `shutdownFlushGrace` (at
    /// least `bridgeOfflineGrace`); what the broker did not acknowledge stays stored in the outbox for the next
    /// start and is counted in a warning, so a broker that is gone or never answers cannot hold the exit.
    private func publishBridgeOffline(_ publisher: Publisher) async {
        let deadline = shutdownDeadline.withLock { $0 } ?? .now
        let left = max(deadline - .now, Self.bridgeOfflineGrace)
        let offline = Mutex(false)
        _ = await withDeadline(left) {
            let acknowledged = await publisher.publishBridgeOffline()
            offline.withLock { $0 = acknowledged }
        }
        guard await !publisher.finishedAcknowledged || !offline.withLock({ $0 }) else { return }
        let stored = await publisher.queuedCount
        let fate =
            publisher.outboxIsPersistent
            ? "stay stored in the outbox for the next start"
            : "are lost (the outbox is in memory: outbox.enabled is false)"
        let cause: String
        if await !publisher.connectedOnce {
            cause = "never connected to the broker \(configuration.mqtt.client.host):\(configuration.mqtt.client.port)"
        } else if publisher.client.state != .connected {
            cause = "the broker connection is down"
        } else {
            cause = "the broker did not acknowledge within \(Self.shutdownFlushGrace)"
        }
        logger.warning("shutting down: \(cause); \(stored) message(s) \(fate)")
    }

    /// Runs `services` in a `ServiceGroup` until graceful shutdown or cancellation of the calling task, either of
    /// which shuts the group down gracefully, in order (cancelling the group itself would stop everything at once).
    private static func runGroup(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0, successTerminationBehavior: .ignore) },
                logger: logger
            )
        )
        let running = Task { try await group.run() }
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await running.value
        } onCancelOrGracefulShutdown: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}
