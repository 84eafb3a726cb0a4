import Logging
import PRO380

/// One running bus: its session (the line and the meters' drivers), one poller task per meter, and the session's
/// own `run()` (a listen-only bus's listener; nothing for a bus the bridge polls).
///
/// Started and stopped as a whole (at start, at shutdown, when a reload removes or changes the bus) or meter by
/// meter (a reload that adds, removes or changes meters of an unchanged bus): a poller stops at its next
/// transaction boundary (a transaction in flight finishes), and the others, and the line's transport, are not
/// touched. Stopping the whole bus closes its transport after the pollers stopped.
actor BusRunner {
    private(set) var session: BusSession
    private var pollers: [String: Task<Void, Never>] = [:]
    /// The session's `run()`, from `start()` until `stop`; it carries on when `adopt` keeps the line.
    private var busTask: Task<Void, Never>?
    private let publisher: Publisher
    private let logger: Logger
    /// How far apart the first polls are spread: the whole fleet's (`PollSchedule.startSpread(meters:)`).
    private let startSpread: Duration
    private var stopped = false

    init(session: BusSession, publisher: Publisher, logger: Logger, startSpread: Duration = .zero) {
        self.session = session
        self.publisher = publisher
        self.logger = logger
        self.startSpread = startSpread
    }

    /// Starts the session's `run()` and a poller for every meter of the session.
    func start() {
        if busTask == nil, !stopped {
            let session = self.session
            busTask = Task { await session.run() }
        }
        for meter in session.meters { startPoller(meter) }
    }

    /// Stops the pollers of `meters`; `offline` is published for those in `offline` (meters removed from the
    /// config; a meter that restarts is not offline).
    func retire(_ meters: Set<String>, offline: Set<String>) async {
        let tasks = pollers.filter { meters.contains($0.key) }
        for (name, task) in tasks.sorted(by: { $0.key < $1.key }) {
            pollers[name] = nil
            task.cancel()
        }
        for (name, task) in tasks.sorted(by: { $0.key < $1.key }) {
            await task.value
            if offline.contains(name) { await publisher.publishAvailability(meter: name, online: false) }
        }
    }

    /// Takes `session` (the same line, other meters: `BusSession.replacingMeters`) and starts a poller for each
    /// of its meters that has none (the added and changed ones, after `retire`).
    func adopt(_ session: BusSession) {
        self.session = session
        for meter in session.meters { startPoller(meter) }
    }

    /// Stops every poller and the session's `run()`, publishes `offline` for the meters in `offline`, then closes
    /// the line.
    func stop(offline: Set<String>) async {
        stopped = true
        busTask?.cancel()
        await retire(Set(pollers.keys), offline: offline)
        await busTask?.value
        busTask = nil
        await session.close()
    }

    private func startPoller(_ meter: BusMeter) {
        let name = meter.configuration.name
        guard !stopped, pollers[name] == nil else { return }
        var meterLogger = logger
        meterLogger[metadataKey: "meter"] = "\(name)"
        let poller = MeterPoller(
            meter: name,
            driver: meter.driver,
            intervals: meter.configuration.intervals,
            offlineAfter: meter.configuration.offlineAfter,
            publisher: publisher,
            logger: meterLogger,
            startSpread: startSpread
        )
        pollers[name] = Task { await poller.run() }
    }
}
