import Foundation
import PRO380
import Testing

@testable import Bridge

@Suite struct PollingRulesTests {
    @Test func offlineAfterThreeFailuresOnlineAtNextGood() {
        var availability = MeterAvailability(offlineAfter: 3)
        #expect(availability.recordSuccess() == .online)
        #expect(availability.recordSuccess() == nil)
        #expect(availability.recordFailure() == nil)
        #expect(availability.recordFailure() == nil)
        #expect(availability.recordFailure() == .offline)
        #expect(availability.recordFailure() == nil)
        #expect(availability.recordSuccess() == .online)
    }

    @Test func energyCounterThatFallsIsHeldBack() {
        var guardrail = CounterGuard()
        let t = Date()
        func r(_ v: String) -> Reading {
            Reading(key: "forward_active_energy_total", value: .decimal(Decimal(string: v)!), unit: "kWh", time: t)
        }
        #expect(guardrail.check(r("16048.14"), quantity: .activeEnergyCounter) == nil)
        #expect(guardrail.check(r("16048.139"), quantity: .activeEnergyCounter) == nil)  // float rounding
        #expect(guardrail.check(r("12.5"), quantity: .activeEnergyCounter) == 16048.14)
        #expect(guardrail.check(r("16050"), quantity: .activeEnergyCounter) == nil)
        // A net total may fall: not guarded.
        #expect(
            guardrail.check(
                Reading(key: "active_energy_total", value: .integer(-5), unit: "kWh", time: t),
                quantity: .activeEnergy
            ) == nil
        )
    }

    @Test func payloadJSON() {
        let time = Date(timeIntervalSince1970: 1_795_953_600.5)
        let reading = Reading(key: "voltage_l1", value: .decimal(Decimal(string: "231.25")!), unit: "V", time: time)
        #expect(ReadingPayload.json(reading) == #"{"value": 231.25, "unit": "V", "time": "2026-11-29T12:00:00.500Z"}"#)
        let text = Reading(key: "serial_number", value: .text("13070042"), unit: nil, time: time)
        #expect(
            ReadingPayload.json(text) == #"{"value": "13070042", "unit": null, "time": "2026-11-29T12:00:00.500Z"}"#
        )
        #expect(Timestamp.parse("2026-11-29T12:00:00.500Z") == time)
        #expect(Timestamp.parse("2026-11-29T13:00:00+01:00") == Date(timeIntervalSince1970: 1_795_953_600))
    }

    @Test func gateServesCommandsBeforePolls() async throws {
        let gate = BusGate()
        let order = OrderLog()
        let holding = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gate.withTransaction(priority: .poll) {
                await order.append("poll-1")
                for await _ in holding.stream { break }
            }
        }
        while await order.count == 0 { await Task.yield() }
        let poll2 = Task { try await gate.withTransaction(priority: .poll) { await order.append("poll-2") } }
        while gate.queueLength < 1 { await Task.yield() }
        let command = Task { try await gate.withTransaction(priority: .command) { await order.append("command") } }
        while gate.queueLength < 2 { await Task.yield() }
        holding.continuation.yield()
        _ = try await (first.value, poll2.value, command.value)
        #expect(await order.entries == ["poll-1", "command", "poll-2"])
    }

    /// A cancelled task starts no transaction, on a free bus too (a poll cut by shutdown stops at its next
    /// transaction), and a waiter cancelled in the queue leaves it; the bus stays usable for the others.
    @Test func gateRefusesCancelledTasksFreeOrWaiting() async throws {
        let gate = BusGate()
        let order = OrderLog()
        let cancelledOnFreeBus = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await gate.withTransaction(priority: .poll) { await order.append("cancelled-free") }
        }
        await #expect(throws: CancellationError.self) { try await cancelledOnFreeBus.value }

        let holding = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gate.withTransaction(priority: .poll) {
                await order.append("holder")
                for await _ in holding.stream { break }
            }
        }
        while await order.count == 0 { await Task.yield() }
        let waiting = Task {
            try await gate.withTransaction(priority: .poll) { await order.append("cancelled-waiting") }
        }
        while gate.queueLength < 1 { await Task.yield() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(gate.queueLength == 0)
        holding.continuation.yield()
        try await first.value
        try await gate.withTransaction(priority: .command) { await order.append("after") }
        #expect(await order.entries == ["holder", "after"])
    }
}

actor OrderLog {
    var entries: [String] = []
    var count: Int { entries.count }
    func append(_ s: String) { entries.append(s) }
}
