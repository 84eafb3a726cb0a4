import Foundation
package import Logging
package import PRO380

/// Polls one meter: each register group at its own interval, availability after each poll, counters guarded.
///
/// Runs until cancelled. Its transactions go through the bus's gate, so meters on one bus take turns and a command
/// for any meter on the bus runs at the next transaction boundary.
package struct MeterPoller: Sendable {
    package let meter: String
    package let driver: any MeterDriver
    package let intervals: [PollGroup: Duration]
    package let offlineAfter: Int
    package let publisher: Publisher
    package let logger: Logger
    /// How far apart the fleet's first polls are spread (`PollSchedule.startSpread(meters:)`).
    package let startSpread: Duration
    private let table = RegisterTable.pro380

    package init(
        meter: String,
        driver: any MeterDriver,
        intervals: [PollGroup: Duration],
        offlineAfter: Int,
        publisher: Publisher,
        logger: Logger,
        startSpread: Duration = .zero
    ) {
        self.meter = meter
        self.driver = driver
        self.intervals = intervals
        self.offlineAfter = offlineAfter
        self.publisher = publisher
        self.logger = logger
        self.startSpread = startSpread
    }

    /// Polls until the task is cancelled. Every group is read at start (identity included; in a large fleet within
    /// `startSpread`), then at its interval, each meter at its own place in the interval; a meter that stops answering is polled less often while it stays
    /// silent (`PollSchedule`).
    package func run() async {
        let clock = ContinuousClock()
        var schedule = PollSchedule(
            intervals: intervals,
            start: clock.now,
            phase: PollSchedule.phase(of: meter),
            startSpread: startSpread
        )
        var state = PollerState(offlineAfter: offlineAfter)
        let sleeper = PollClock.shared.register()
        defer { PollClock.shared.release(sleeper) }
        while !Task.isCancelled {
            let now = clock.now
            let groups = schedule.dueGroups(at: now)
            if !groups.isEmpty {
                // Each poll runs in a child task of its own. A task keeps the memory of its deepest chain of async
                // frames for as long as it lives (the runtime's task allocator reuses its slabs and never frees
                // them): the driver's transactions and the publisher's storing reach about 11 KiB, which a poller
                // task living as long as the bridge would hold for every meter. A child's frames go with it at the
                // end of the poll (docs/performance.md, "1000 meters").
                async let polled = poll(groups, startedAt: now, state: state)
                let step = await polled
                state = step.state
                if step.cutShort { return }
                schedule.polled(groups, answered: step.answered, finished: clock.now)
            }
            guard let next = schedule.nextWake else { return }
            do { try await PollClock.shared.sleep(sleeper, until: next) } catch { return }
        }
    }

    /// What one poll changed: the poller's state, whether the meter answered, and whether shutdown cut it short.
    private struct PollStep: Sendable {
        var state: PollerState
        var answered: Bool
        var cutShort: Bool
    }

    /// One poll of `groups`: the driver's transactions, then publishing and availability (`handle`).
    private func poll(
        _ groups: Set<PollGroup>,
        startedAt: ContinuousClock.Instant,
        state: PollerState
    ) async -> PollStep {
        var state = state
        publisher.ledger.record(meter: meter, pollStarted: startedAt)
        let outcome = await driver.poll(groups: groups)
        publisher.ledger.record(meter: meter, pollDuration: ContinuousClock.now - startedAt)
        if Task.isCancelled {
            // Shutdown cut the poll short: what arrived is published; what the cancellation cut is no failure of
            // the meter (no availability change). A poll cut between its transactions is said once, with how
            // much of it went out, so that a subscriber counting complete polls knows why the last one is short
            // (`bench` reads `not_read` from this line).
            await publish(outcome.readings, state: &state)
            let notRead = outcome.failures.reduce(0) { $0 + $1.keys.count }
            if !outcome.readings.isEmpty, notRead > 0 {
                logger.info(
                    "shutdown cut the poll short: \(outcome.readings.count) values published, \(notRead) not read",
                    metadata: [
                        "meter": "\(meter)", "published": "\(outcome.readings.count)", "not_read": "\(notRead)",
                    ]
                )
            }
            return PollStep(state: state, answered: outcome.meterAnswered, cutShort: true)
        }
        await handle(outcome, state: &state)
        return PollStep(state: state, answered: outcome.meterAnswered, cutShort: false)
    }

    /// Publishes what a poll brought and updates availability.
    package func handle(_ outcome: PollOutcome, state: inout PollerState) async {
        if outcome.meterAnswered {
            for failure in state.failures.news(outcome.failures) {
                logger.info("not read: \(failure)", metadata: ["meter": "\(meter)"])
            }
        } else if let first = outcome.failures.first {
            // A silent meter would repeat the same line every poll: logged when the reason is new, else at debug
            // (by reason alone: which block timed out first changes from poll to poll).
            let news = state.failures.news([ReadFailure(keys: [], reason: first.reason)])
            let level: Logger.Level = news.isEmpty ? .debug : .info
            logger.log(level: level, "meter did not answer: \(first.reason)", metadata: ["meter": "\(meter)"])
        }
        await publish(outcome.readings, state: &state)
        let change = outcome.meterAnswered ? state.availability.recordSuccess() : state.availability.recordFailure()
        if let change {
            logger.notice("meter is \(change.rawValue)", metadata: ["meter": "\(meter)"])
            await publisher.publishAvailability(meter: meter, online: change == .online)
        }
    }

    /// Publishes the readings that pass the counter guard; logs held-back counters once per episode
    /// (`CounterFallLog`), each one at debug.
    private func publish(_ readings: [Reading], state: inout PollerState) async {
        var accepted: [Reading] = []
        var falls: [CounterFallLog.Fall] = []
        var counters = 0
        for reading in readings {
            guard let quantity = table[reading.key]?.quantity else {
                accepted.append(reading)
                continue
            }
            if quantity.isMonotonic { counters += 1 }
            if let last = state.counters.check(reading, quantity: quantity) {
                falls.append(CounterFallLog.Fall(key: reading.key, read: reading.value, last: last))
                logger.debug(
                    "energy counter fell: not published",
                    metadata: [
                        "meter": "\(meter)", "key": "\(reading.key)", "read": "\(reading.value)", "last": "\(last)",
                    ]
                )
                continue
            }
            accepted.append(reading)
        }
        switch state.counterFalls.poll(falls: falls, counters: counters) {
        case .began(let first, let fell):
            logger.warning(
                "energy counter fell: not published until it passes its last published value again",
                metadata: [
                    "meter": "\(meter)", "key": "\(first.key)", "read": "\(first.read)", "last": "\(first.last)",
                    "counters_fell": "\(fell)",
                ]
            )
        case .ended(let heldBack):
            logger.notice(
                "energy counters published again",
                metadata: ["meter": "\(meter)", "held_back": "\(heldBack)"]
            )
        case nil: break
        }
        if !accepted.isEmpty { await publisher.publish(meter: meter, readings: accepted) }
    }
}

/// The mutable part of a poller: availability, the counter guard and the failures already logged.
package struct PollerState: Sendable {
    package var availability: MeterAvailability
    package var counters = CounterGuard()
    package var counterFalls = CounterFallLog()
    package var failures = FailureLog()

    package init(offlineAfter: Int) { availability = MeterAvailability(offlineAfter: offlineAfter) }
}
