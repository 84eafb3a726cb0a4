import Foundation
import Testing

@testable import Outbox

@Suite struct OutboxBudgetTests {
    let now = Date(timeIntervalSince1970: 1_000_000)
    let limits = OutboxLimits(maxBytes: 64_000, maxAge: .seconds(3600))

    @Test func withinBoundsNothingIsDropped() {
        let budget = OutboxBudget(limits: limits, count: 10, bytes: 60_000, oldest: now.addingTimeInterval(-60))
        #expect(budget.trim(now: now, incoming: 4_000) == nil)
    }

    @Test func overMaxBytesFreesTheExcessAndASixtyFourthMore() {
        let budget = OutboxBudget(limits: limits, count: 10, bytes: 63_000, oldest: now)
        #expect(budget.trim(now: now, incoming: 2_000) == OutboxTrim(olderThan: nil, bytesToFree: 1_000 + 1_000))
    }

    @Test func overMaxAgeDropsWhatIsOlderThanTheCutoff() {
        let budget = OutboxBudget(limits: limits, count: 1, bytes: 100, oldest: now.addingTimeInterval(-3601))
        #expect(budget.trim(now: now) == OutboxTrim(olderThan: now.addingTimeInterval(-3600), bytesToFree: 0))
        #expect(budget.oldestAge(now: now) == 3601)
    }

    @Test func anEmptyOutboxHasNoAge() {
        #expect(OutboxBudget(limits: limits).oldestAge(now: now) == nil)
        #expect(OutboxBudget(limits: limits).trim(now: now) == nil)
    }
}
