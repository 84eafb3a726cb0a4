import Logging

/// The bridge's buses while it runs: one `BusRunner` per bus, started together, changed by a reload, stopped
/// together at shutdown. The one part of `BridgeService`'s `ServiceGroup` that owns the buses, so the shutdown
/// order stays stated once however the buses change.
actor BusFleet {
    private var configuration: BridgeConfiguration
    private var runners: [String: BusRunner] = [:]
    private let roster: BusRoster
    private let publisher: Publisher
    private let status: BridgeStatus
    private let logger: Logger
    private var stopped = false

    /// A fleet for the running `configuration` and its `sessions` (one per bus, in config order), published to
    /// `roster`; nothing polls before `start()`.
    init(
        configuration: BridgeConfiguration,
        sessions: [BusSession],
        roster: BusRoster,
        publisher: Publisher,
        status: BridgeStatus,
        logger: Logger
    ) {
        self.configuration = configuration
        self.roster = roster
        self.publisher = publisher
        self.status = status
        self.logger = logger
        let spread = Self.startSpread(configuration)
        for session in sessions {
            runners[session.name] = BusRunner(
                session: session,
                publisher: publisher,
                logger: logger,
                startSpread: spread
            )
        }
        roster.replace(sessions)
    }

    /// Starts polling every meter.
    func start() async {
        for bus in configuration.buses { await runners[bus.name]?.start() }
    }

    /// Stops every bus (pollers at a transaction boundary, `offline` for their meters, the line closed), all buses
    /// at once; a reload after this does nothing.
    func stop() async {
        stopped = true
        let running = Array(runners.values)
        runners = [:]
        await withTaskGroup(of: Void.self) { group in
            for runner in running {
                group.addTask {
                    let meters = await runner.session.meters.map(\.configuration.name)
                    await runner.stop(offline: Set(meters))
                }
            }
        }
    }

    /// Applies `new` (already read and checked): refused when a setting outside `buses:` changed (`needsRestart`);
    /// else the removed meters are stopped and published `offline`, removed buses stopped and closed, changed buses
    /// and meters restarted, added ones started; unchanged buses and meters keep polling, their lines open.
    ///
    /// Everything that stops does so before anything starts, so a device that moved to another bus (or a bus that
    /// was renamed) is closed before it is opened again (serial ports are opened exclusively).
    func apply(_ new: BridgeConfiguration) async -> ReloadOutcome {
        guard !stopped else { return .notRunning }
        let change = ConfigurationChange(from: configuration, to: new)
        guard change.needsRestart.isEmpty else { return .refused(restart: change.needsRestart) }
        guard !change.isEmpty else {
            configuration = new
            return .unchanged
        }
        var sessions: [String: BusSession] = [:]
        for bus in new.buses where change.buses.added.contains(bus.name) || change.buses.changed.contains(bus.name) {
            do {
                sessions[bus.name] = try BusSession(bus, logger: logger)
            } catch {
                return .failed("\(error)")
            }
        }
        let removedMeters = Set(change.meters.removed)
        // Stop: removed and changed buses as a whole, then the meters of unchanged buses that leave or restart.
        for name in change.buses.removed + change.buses.changed {
            guard let runner = runners.removeValue(forKey: name) else { continue }
            let meters = Set(await runner.session.meters.map(\.configuration.name))
            await runner.stop(offline: meters.intersection(removedMeters))
        }
        let keep = Set(change.meters.unchanged)
        for name in change.buses.unchanged {
            guard let runner = runners[name] else { continue }
            let meters = Set(await runner.session.meters.map(\.configuration.name))
            await runner.retire(meters.subtracting(keep), offline: removedMeters)
        }
        // Start: the new meters of unchanged buses on their open lines, then the added and changed buses.
        for bus in new.buses {
            // Shutdown may have begun meanwhile: it stops the runners it found; none is added after it.
            guard !stopped else { return .notRunning }
            if let session = sessions[bus.name] {
                let runner = BusRunner(
                    session: session,
                    publisher: publisher,
                    logger: logger,
                    startSpread: Self.startSpread(new)
                )
                runners[bus.name] = runner
                await runner.start()
            } else if let runner = runners[bus.name] {
                await runner.adopt(runner.session.replacingMeters(with: bus, keeping: keep))
            }
        }
        configuration = new
        var running: [BusSession] = []
        for bus in new.buses { if let runner = runners[bus.name] { running.append(await runner.session) } }
        roster.replace(running)
        status.meters = new.meters.map(\.meter.name)
        return .applied(change)
    }

    /// The spread of the first polls for `configuration`'s meters (buses a reload adds spread theirs alike).
    private static func startSpread(_ configuration: BridgeConfiguration) -> Duration {
        PollSchedule.startSpread(meters: configuration.meters.count)
    }
}

/// What became of a reload.
package enum ReloadOutcome: Sendable, Equatable {
    /// The new config runs; what changed.
    case applied(ConfigurationChange)
    /// The new config equals the running one on the buses (nothing outside `buses:` changed either).
    case unchanged
    /// The new file does not check; the running config stays.
    case invalid(ConfigurationErrors)
    /// Settings that only a restart applies changed; the running config stays.
    case refused(restart: [String])
    /// The new config could not be set up (a bus that cannot be built); the running config stays.
    case failed(String)
    /// The bridge is not running (not yet, or shutting down).
    case notRunning
}
