import PRO380
import Testing

@testable import Bridge

/// When a meter is polled: each group at its interval, and a meter that stopped answering not before its
/// back-off ends (issue 13 part 5: a dead meter costs its neighbours one timeout per back-off period).
@Suite struct PollScheduleTests {
    let start = ContinuousClock.now
    let intervals: [PollGroup: Duration] = [.instantaneous: .seconds(1), .energy: .seconds(10)]

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int((seconds * 1000).rounded())) }

    @Test func groupsKeepTheirCadenceAndSkipMissedSlots() {
        var schedule = PollSchedule(intervals: intervals, start: start)
        #expect(schedule.dueGroups(at: start) == [.instantaneous, .energy])
        schedule.polled([.instantaneous, .energy], answered: true, finished: at(0.3))
        #expect(schedule.dueGroups(at: at(0.9)).isEmpty)
        #expect(schedule.nextWake == at(1))
        #expect(schedule.dueGroups(at: at(1)) == [.instantaneous])
        // A poll that overran three slots resumes one interval after it ended, not in a burst.
        schedule.polled([.instantaneous], answered: true, finished: at(4.5))
        #expect(schedule.nextWake == at(5.5))
        #expect(schedule.dueGroups(at: at(10)) == [.instantaneous, .energy])
    }

    /// Meters started together spread over the interval: each group's second poll comes `phase` of an interval late,
    /// then the cadence holds; the phase comes from the meter's name and spreads many names.
    @Test func phaseSpreadsMetersOverTheInterval() {
        var schedule = PollSchedule(intervals: [.instantaneous: .seconds(10)], start: start, phase: 0.25)
        #expect(schedule.dueGroups(at: start) == [.instantaneous])
        schedule.polled([.instantaneous], answered: true, finished: at(0.1))
        #expect(schedule.nextWake == at(12.5))
        schedule.polled([.instantaneous], answered: true, finished: at(12.6))
        #expect(schedule.nextWake == at(22.5))
        #expect(PollSchedule.phase(of: "g1m1") == PollSchedule.phase(of: "g1m1"))
        let phases = (1...1000).map { PollSchedule.phase(of: "g\($0 / 10 + 1)m\($0 % 10 + 1)") }
        #expect(phases.allSatisfy { (0..<1).contains($0) })
        // Every tenth of the interval holds some of the 1000 meters, none more than twice its share.
        let tenths = Dictionary(grouping: phases) { Int($0 * 10) }.mapValues(\.count)
        #expect(tenths.count == 10 && tenths.values.allSatisfy { $0 < 200 }, "\(tenths)")
    }

    /// A large fleet's first polls are spread too: each meter's first at `phase` of the start spread (at most its
    /// interval), and its cadence after that the same as without the spread.
    @Test func firstPollComesAtItsPhaseOfTheStartSpread() {
        let groups: [PollGroup: Duration] = [.instantaneous: .seconds(10), .identity: .seconds(3600)]
        var schedule = PollSchedule(intervals: groups, start: start, phase: 0.25, startSpread: .seconds(4))
        #expect(schedule.dueGroups(at: start).isEmpty)
        #expect(schedule.nextWake == at(1))
        #expect(schedule.dueGroups(at: at(1)) == [.instantaneous, .identity])
        schedule.polled([.instantaneous, .identity], answered: true, finished: at(1.1))
        #expect(schedule.nextWake == at(12.5))
        schedule.polled([.instantaneous], answered: true, finished: at(12.6))
        #expect(schedule.nextWake == at(22.5))
        // A spread longer than the interval spreads within the interval.
        let short = PollSchedule(
            intervals: [.instantaneous: .seconds(2)],
            start: start,
            phase: 0.5,
            startSpread: .seconds(10)
        )
        #expect(short.nextWake == at(1))
        // 10 ms a meter: 1000 meters start within 10 s, one within 10 ms.
        #expect(PollSchedule.startSpread(meters: 1000) == .seconds(10))
        #expect(PollSchedule.startSpread(meters: 1) == .milliseconds(10))
    }

    @Test func silentMeterBacksOffAndAnAnswerEndsTheBackOff() {
        var schedule = PollSchedule(intervals: [.instantaneous: .milliseconds(100)], start: start)
        // The first unanswered poll costs nothing extra: a single lost reply is retried at the next slot.
        schedule.polled([.instantaneous], answered: false, finished: at(0.5))
        #expect(schedule.backOffUntil == nil)
        #expect(schedule.dueGroups(at: at(0.6)) == [.instantaneous])
        // Then 1 s, 2 s, 4 s ...: no group is due, so the poller starts no transaction, until the back-off ends.
        var finished = 0.6
        for wait in [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0] {
            schedule.polled([.instantaneous], answered: false, finished: at(finished))
            #expect(schedule.backOffUntil == at(finished + wait))
            #expect(schedule.dueGroups(at: at(finished + wait - 0.01)).isEmpty)
            #expect(schedule.nextWake == at(finished + wait))
            #expect(schedule.dueGroups(at: at(finished + wait)) == [.instantaneous])
            finished += wait
        }
        // The probe is answered: back to the interval at once.
        schedule.polled([.instantaneous], answered: true, finished: at(finished))
        #expect(schedule.backOffUntil == nil)
        #expect(schedule.nextWake == at(finished + 0.1))
        schedule.polled([.instantaneous], answered: false, finished: at(finished + 0.2))
        #expect(schedule.backOffUntil == nil, "a new silence starts the back-off from the beginning")
    }
}
