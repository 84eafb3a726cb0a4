package import PRO380

/// When a meter's register groups are due, and the back-off of a meter that stopped answering.
///
/// Each group is read at its own interval, keeping the cadence but skipping missed slots rather than polling in a
/// burst. A poll the meter did not answer at all puts the meter in back-off (`BackOff`: the next slot after the
/// first such poll, then 1 s, 2 s ... `longest`): no group is due before the back-off ends, so the poller starts no
/// transaction meanwhile, and the poll after it is one probe (a driver ends a poll at its first timeout, and reads
/// with one attempt a meter that did not answer last time). A dead meter thus costs its bus one timeout per
/// back-off period instead of one per interval (issue 13: its neighbours' cycle stays within 1.1x). Any answer
/// ends the back-off.
///
/// Meters started together would stay in step, so every bus would read at the same moment each interval: with 100
/// gateways, 100 reads in flight at once (a thread each) and a burst of 7,000 readings for the publisher. So each
/// group's second poll comes `phase` of an interval late, which spreads the meters over the interval for good;
/// `phase(of:)` derives it from the meter's name, so a meter keeps its slot across restarts. The first poll comes
/// `phase` of `startSpread` (at most the interval) after the start: the bridge spreads a large fleet's first polls
/// too (`startSpread(meters:)`), since a blocked read holds a thread and libdispatch never shrinks a pool that stays
/// busy: 1000 meters polled at once at start kept 256 threads (about 30 MiB) for good (docs/performance.md).
///
/// A value with explicit instants (house style rule 7): the poller asks it, the tests drive it without a clock.
package struct PollSchedule: Sendable {
    /// The longest back-off of a silent meter: it costs its bus one timeout every 30 s at most.
    package static let longestBackOff: Duration = .seconds(30)

    private let intervals: [PollGroup: Duration]
    private let phase: Double
    private let startSpread: Duration
    private var due: [PollGroup: ContinuousClock.Instant]
    private var polledOnce: Set<PollGroup> = []
    private var backOff: BackOff
    /// The end of the back-off in force, `nil` while the meter answers.
    package private(set) var backOffUntil: ContinuousClock.Instant?

    /// How far apart the first polls of a fleet of `meters` are spread: 10 ms a meter (so about 100 first polls a
    /// second, the steady rate of 1000 meters at a 10 s interval), nothing noticeable for a few meters.
    package static func startSpread(meters: Int) -> Duration { .milliseconds(10) * max(meters, 0) }

    /// Every group is due `phase` (0 ..< 1) of `startSpread` (at most its interval) after `start`; its second poll
    /// `phase` of its interval later than the cadence from `start`.
    package init(
        intervals: [PollGroup: Duration],
        start: ContinuousClock.Instant,
        phase: Double = 0,
        startSpread: Duration = .zero,
        longestBackOff: Duration = Self.longestBackOff
    ) {
        let phase = min(max(phase, 0), 1)
        self.intervals = intervals
        self.phase = phase
        self.startSpread = startSpread
        self.due = intervals.mapValues { start + min($0, startSpread) * phase }
        self.backOff = BackOff(longest: longestBackOff)
    }

    /// The groups to poll at `now`: none while the meter is in back-off.
    package func dueGroups(at now: ContinuousClock.Instant) -> Set<PollGroup> {
        if let backOffUntil, now < backOffUntil { return [] }
        return Set(due.filter { $0.value <= now }.map(\.key))
    }

    /// When to look again: the earliest due group, not before the back-off ends; `nil` without groups.
    package var nextWake: ContinuousClock.Instant? {
        guard let next = due.values.min() else { return nil }
        return backOffUntil.map { max($0, next) } ?? next
    }

    /// Records a poll of `groups` that ended at `finished`; `answered`: the meter answered at least one transaction.
    package mutating func polled(_ groups: Set<PollGroup>, answered: Bool, finished: ContinuousClock.Instant) {
        for group in groups {
            guard var previous = due[group], let interval = intervals[group] else { continue }
            if polledOnce.insert(group).inserted {
                // From the start, not from the spread first poll: the cadence is start + phase of an interval.
                previous += interval * phase - min(interval, startSpread) * phase
            }
            due[group] = Self.nextDue(after: previous, interval: interval, now: finished)
        }
        if answered {
            backOff.succeeded()
            backOffUntil = nil
        } else {
            let wait = backOff.failed(at: finished)
            backOffUntil = wait > .zero ? finished + wait : nil
        }
    }

    /// A meter's place in its intervals, 0 ..< 1, from its name (FNV-1a): spread evenly over many meters, and the
    /// same on every run.
    package static func phase(of meter: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in meter.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Double(hash % 10_000) / 10_000
    }

    /// The next start time: keeps the cadence, but skips missed slots rather than polling in a burst.
    static func nextDue(
        after previous: ContinuousClock.Instant,
        interval: Duration,
        now: ContinuousClock.Instant
    ) -> ContinuousClock.Instant {
        var next = previous + interval
        if next <= now { next = now + interval }
        return next
    }
}
