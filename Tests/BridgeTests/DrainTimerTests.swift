import Testing

@testable import Bridge

/// The drain loop's timer: one task per need, and a superseded task's report never disarms the timer armed since.
@Suite struct DrainTimerTests {
    let start = ContinuousClock.now

    /// `timer.arm(at:)`, whether it asks for a task, from a given number of milliseconds after `start`.
    func arm(_ timer: inout DrainTimer, _ milliseconds: Int) -> Bool {
        timer.arm(at: start + .milliseconds(milliseconds))
    }

    @Test func aTaskStartsOnlyForAnInstantEarlierThanTheArmedOne() {
        var timer = DrainTimer()
        #expect(arm(&timer, 1000))
        #expect(!arm(&timer, 2000), "the armed task reports first")
        #expect(!arm(&timer, 1000))
        #expect(arm(&timer, 500), "earlier: a task of its own")
        #expect(timer.armed == start + .milliseconds(500))
    }

    @Test func theArmedTaskDisarmsWhenItReports() {
        var timer = DrainTimer()
        _ = arm(&timer, 1000)
        timer.expired(start + .seconds(1))
        #expect(timer.armed == nil)
        #expect(arm(&timer, 2000))
    }

    /// The case that multiplied tasks: armed at 1 s, superseded by 0.5 s, which reports and is re-armed at 1.2 s;
    /// then the superseded 1 s task reports. It must leave 1.2 s armed, so arming 1.2 s again starts nothing.
    @Test func aSupersededTaskReportingLaterChangesNothing() {
        var timer = DrainTimer()
        #expect(arm(&timer, 1000))
        #expect(arm(&timer, 500))
        timer.expired(start + .milliseconds(500))
        #expect(arm(&timer, 1200))
        timer.expired(start + .seconds(1))
        #expect(timer.armed == start + .milliseconds(1200))
        #expect(!arm(&timer, 1200), "no second task for what is armed")
    }
}
