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
/// A value with explicit instants (house style rule 7): the poller asks it, the tests drive it without a clock.
package struct PollSchedule: Sendable {
    /// The longest back-off of a silent meter: it costs its bus one timeout every 30 s at most.
    package static let longestBackOff: Duration = .seconds(30)

    private let intervals: [PollGroup: Duration]
    private var due: [PollGroup: ContinuousClock.Instant]
    private var backOff: BackOff
    /// The end of the back-off in force, `nil` while the meter answers.
    package private(set) var backOffUntil: ContinuousClock.Instant?

    /// Every group is due at `start`.
    package init(
        intervals: [PollGroup: Duration],
        start: ContinuousClock.Instant,
        longestBackOff: Duration = Self.longestBackOff
    ) {
        self.intervals = intervals
        self.due = Dictionary(uniqueKeysWithValues: intervals.keys.map { ($0, start) })
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
            guard let previous = due[group], let interval = intervals[group] else { continue }
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
