import Modbus
import Testing

/// The PRO380 register map (manual A3.2) as spans, built by hand: Modbus does not depend on PRO380.
enum PRO380Spans {
    static let identity: [RegisterSpan] = [
        (0x4000, 2), (0x4002, 1), (0x4003, 1), (0x4004, 1), (0x4005, 2), (0x4007, 2), (0x4009, 2), (0x400B, 1),
        (0x400C, 1),
        (0x400D, 2), (0x400F, 1), (0x4010, 1), (0x4011, 1), (0x4012, 1), (0x4013, 1), (0x4014, 1), (0x4015, 1),
        (0x4016, 1),
        (0x4017, 1), (0x4018, 1), (0x4019, 1), (0x401A, 1), (0x401B, 2), (0x401D, 2), (0x401F, 1),
    ].map { RegisterSpan(address: $0.0, count: $0.1) }
    static let instantaneous = stride(from: 0x5000, through: 0x5030, by: 2).map {
        RegisterSpan(address: UInt16($0), count: 2)
    }
    static let energy =
        stride(from: 0x6000, through: 0x6046, by: 2).map { RegisterSpan(address: UInt16($0), count: 2) }
        + [RegisterSpan(address: 0x6048, count: 1), RegisterSpan(address: 0x6049, count: 2)]
    static let all = identity + instantaneous + energy
    static let pro1Only: Set<RegisterSpan> = [
        RegisterSpan(address: 0x4015, count: 1), RegisterSpan(address: 0x5000, count: 2),
        RegisterSpan(address: 0x500A, count: 2),
    ]
}

/// A pure stand-in for a meter's answers to block reads, to drive the learning without I/O.
struct MeterBehaviour {
    var refused: Set<RegisterSpan> = []
    var maxRegisters = 125
    /// Ranges the meter stays silent on when read merged with anything else.
    var silentWhenMerged: Set<UInt16> = []
    var offline = false

    enum Outcome: Equatable { case values, exception02, exception03, timeout }

    func answer(_ block: ReadBlock) -> Outcome {
        if offline { return .timeout }
        if block.count > maxRegisters { return .exception03 }
        if block.spans.contains(where: refused.contains) { return .exception02 }
        if block.spans.count > 1, block.spans.contains(where: { silentWhenMerged.contains($0.address) }) {
            return .timeout
        }
        return .values
    }
}

/// Runs poll cycles until two in a row pass without a lesson on the same plan; returns the cycles and the plan.
/// Within a cycle the parts of a split block are read next, and a failed timeout ends the cycle, as the Modbus driver
/// does (`ModbusMeterDriver.read`).
func learn(
    _ state: inout ReadPlanState,
    from meter: MeterBehaviour,
    at now: ContinuousClock.Instant,
    maxCycles: Int = 20
) -> (cycles: Int, plan: [ReadBlock]) {
    var previousCleanPlan: [ReadBlock]?
    for cycle in 1...maxCycles {
        var clean = true
        let blocks = state.blocks(at: now)
        var queue = blocks
        while !queue.isEmpty {
            let block = queue.removeFirst()
            let decision: ReadPlanDecision
            switch meter.answer(block) {
            case .values:
                state.recordSuccess(block)
                continue
            case .exception02: decision = state.recordException02(block, at: now)
            case .exception03: decision = state.recordException03(block, at: now)
            case .timeout: decision = state.recordTimeout(block, at: now)
            }
            clean = false
            switch decision {
            case .split(let parts), .shrunk(_, let parts): queue.insert(contentsOf: parts, at: 0)
            case .refused: break
            case .failed: queue.removeAll()
            }
        }
        if clean && previousCleanPlan == blocks { return (cycle, blocks) }
        previousCleanPlan = clean ? blocks : nil
    }
    return (maxCycles, state.currentPlan)
}

@Suite struct ReadPlannerTests {
    let now = ContinuousClock.now

    @Test func pro380TableGivesThreeBlocksAt125() {
        let blocks = ReadPlanner().plan(PRO380Spans.all)
        #expect(blocks.map(\.address) == [0x4000, 0x5000, 0x6000])
        #expect(blocks.map(\.count) == [32, 50, 75])
        #expect(blocks.map(\.spans.count) == [25, 25, 38])
    }

    @Test func smallerLimitGivesMoreBlocksAndNeverSplitsASpan() {
        let blocks = ReadPlanner(maxRegisters: 60).plan(PRO380Spans.all)
        #expect(blocks.map(\.count) == [32, 50, 60, 15])
        let tiny = ReadPlanner(maxRegisters: 3).plan(PRO380Spans.energy)
        #expect(tiny.allSatisfy { $0.count <= 3 })
        #expect(Set(tiny.flatMap(\.spans)) == Set(PRO380Spans.energy))
        for block in tiny { #expect(block.spans.reduce(0) { $0 + $1.count } == block.count) }
    }

    @Test func neverBridgesAGap() {
        let spans = [RegisterSpan(address: 0x5002, count: 2), RegisterSpan(address: 0x5006, count: 2)]
        #expect(ReadPlanner().plan(spans).count == 2)
    }

    @Test func slicesSpanValuesOutOfABlock() {
        let block = ReadPlanner().plan(PRO380Spans.instantaneous)[0]
        let registers = (0..<50).map(UInt16.init)
        #expect(block.registers(of: RegisterSpan(address: 0x5002, count: 2), in: registers) == [2, 3])
        #expect(block.registers(of: RegisterSpan(address: 0x6000, count: 2), in: registers) == nil)
    }

    @Test func learnsThePRO1OnlyRowsInAFewCycles() {
        var state = ReadPlanState(spans: PRO380Spans.all)
        let result = learn(&state, from: MeterBehaviour(refused: PRO380Spans.pro1Only), at: now)
        #expect(result.cycles <= 10)
        #expect(state.refused == PRO380Spans.pro1Only)
        #expect(result.plan.map(\.address) == [0x4000, 0x4016, 0x5002, 0x500C, 0x6000])
        #expect(Set(result.plan.flatMap(\.spans)) == Set(PRO380Spans.all).subtracting(PRO380Spans.pro1Only))
    }

    @Test func halvesTheBlockSizeOnException03() {
        var state = ReadPlanState(spans: PRO380Spans.all)
        let result = learn(&state, from: MeterBehaviour(maxRegisters: 40), at: now)
        #expect(result.plan.allSatisfy { $0.count <= 40 })
        #expect(state.learntMaxRegisters == 25)
        #expect(Set(result.plan.flatMap(\.spans)) == Set(PRO380Spans.all))
    }

    @Test func splitsMergedBlocksTheMeterIgnoresButNotWhenItIsOffline() {
        var state = ReadPlanState(spans: PRO380Spans.all)
        let silent = MeterBehaviour(silentWhenMerged: [0x6048])
        let result = learn(&state, from: silent, at: now)
        #expect(result.plan.contains { $0.spans == [RegisterSpan(address: 0x6048, count: 1)] })
        #expect(Set(result.plan.flatMap(\.spans)) == Set(PRO380Spans.all))

        var offline = ReadPlanState(spans: PRO380Spans.all)
        _ = learn(&offline, from: MeterBehaviour(offline: true), at: now, maxCycles: 5)
        #expect(offline.currentPlan.count == 3)
        #expect(!offline.hasLearnt)
    }

    @Test func aMeterThatFallsSilentMidPollIsNotReadPiecemeal() {
        var state = ReadPlanState(spans: PRO380Spans.all)
        let original = state.currentPlan
        let blocks = state.blocks(at: now)
        state.recordSuccess(blocks[0])
        // The line goes silent: the next block and then its parts time out.
        var decision = state.recordTimeout(blocks[1], at: now)
        for _ in 1..<ReadPlanState.unansweredSplitLimit {
            guard case .split(let parts) = decision else { break }
            decision = state.recordTimeout(parts[0], at: now)
        }
        guard case .split(let parts) = decision else {
            Issue.record("expected the splits the limit allows, got \(decision)")
            return
        }
        #expect(state.recordTimeout(parts[0], at: now) == .failed)
        // No answer confirmed the splits: the next cycle reads the blocks as before.
        #expect(state.blocks(at: now) == original)

        // An answer after a split keeps it.
        var confirmed = ReadPlanState(spans: PRO380Spans.all)
        let first = confirmed.blocks(at: now)
        confirmed.recordSuccess(first[0])
        guard case .split(let halves) = confirmed.recordTimeout(first[1], at: now) else {
            Issue.record("a merged block's timeout after an answer splits it")
            return
        }
        confirmed.recordSuccess(halves[0])
        #expect(confirmed.blocks(at: now).count == original.count + 1)
    }

    @Test func singleSpanTimeoutIsARealFailure() {
        var state = ReadPlanState(spans: [RegisterSpan(address: 0x6048, count: 1)])
        let block = state.blocks(at: now)[0]
        state.recordSuccess(block)
        #expect(state.recordTimeout(block, at: now) == .failed)
    }

    @Test func reprobesTheOriginalPlanAfterTheInterval() {
        var state = ReadPlanState(spans: PRO380Spans.all, reprobeInterval: .seconds(3600))
        _ = learn(&state, from: MeterBehaviour(refused: PRO380Spans.pro1Only), at: now)
        #expect(state.blocks(at: now + .seconds(3599)).count == 5)
        #expect(state.blocks(at: now + .seconds(3600)).count == 3)
        #expect(state.refused.isEmpty)
        #expect(!state.hasLearnt)
    }

    @Test func decisionsNameWhatWasLearnt() {
        var state = ReadPlanState(spans: PRO380Spans.identity)
        let block = state.blocks(at: now)[0]
        guard case .split(let halves) = state.recordException02(block, at: now) else {
            Issue.record("expected a split")
            return
        }
        #expect(halves.map(\.address) == [0x4000, 0x4010])
        let single = ReadBlock(address: 0x4015, count: 1, spans: [RegisterSpan(address: 0x4015, count: 1)])
        #expect(state.recordException02(single, at: now) == .refused(RegisterSpan(address: 0x4015, count: 1)))
    }
}
