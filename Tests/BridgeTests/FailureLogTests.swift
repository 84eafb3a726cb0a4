import PRO380
import Testing

@testable import Bridge

/// Which read failures the poller logs: each one once while it lasts.
@Suite struct FailureLogTests {
    @Test func aRecurringFailureIsLoggedOnceUntilItStops() {
        var log = FailureLog()
        let timeout = ReadFailure(keys: ["voltage_l1"], reason: "timeout")
        let refused = ReadFailure(keys: ["voltage"], reason: "refused by the meter", refusedByMeter: true)
        let backOff = ReadFailure(keys: [], reason: "reopening after back-off")
        #expect(log.news([timeout, refused, timeout]) == [timeout])
        #expect(log.news([timeout]) == [])
        #expect(log.news([backOff]) == [backOff])
        #expect(log.news([timeout, refused]) == [], "alternating reasons are logged once each")
        #expect(log.news([refused]) == [])
        #expect(log.news([timeout]) == [timeout], "after a poll without failures, a failure is news again")
    }
}
