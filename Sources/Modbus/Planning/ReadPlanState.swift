/// The read plan of one meter, and what the meter has taught it: a value that returns decisions (house-style
/// rule 7); the poller carries them out.
///
/// Start from the plan for the register table's spans at `maxRegisters` (3 blocks for a PRO380 at 125). Then:
/// - exception 02 on a block of several spans: split it in two at a span boundary; on a single span: that span
///   is refused and never asked again (a PRO380 may refuse the PRO1-only rows 0x4015, 0x5000, 0x500A);
/// - a timeout on a block of several spans while the meter answers other reads: split it the same way (some meters
///   stay silent on certain merged ranges yet answer the parts); a single span's timeout, or any timeout while the
///   meter answers nothing, is a real failure and teaches nothing. Such a split holds only once the meter answers
///   again after it: a meter (or a whole line) that went silent in the middle of a poll would otherwise be taken
///   for one that ignores merged reads and be read in ever smaller blocks until the re-probe. So after
///   `unansweredSplitLimit` timeout splits with no answer since, the next timeout is a real failure, and the
///   next cycle starts without the splits no answer confirmed;
/// - exception 03 (quantity not allowed): halve the largest block size, never below the largest span;
/// - after `reprobeInterval` from the first lesson, everything learnt is forgotten and the original plan is tried
///   again, so a meter that was offline, or got a firmware update, is not read piecemeal forever.
///
/// Once a whole cycle passes without exception 02 after spans were refused, the 02 splits made while searching
/// for them are dropped (once per lesson period), so the plan returns to the largest blocks around the refused
/// spans (0x4000..0x4014 and 0x4016..0x401F).
package struct ReadPlanState: Sendable {
    /// The spans to read.
    package let spans: [RegisterSpan]
    /// The configured largest block.
    package let maxRegisters: Int
    /// How long lessons are kept before the original plan is tried again.
    package let reprobeInterval: Duration

    /// The largest block size learnt (exception 03).
    package private(set) var learntMaxRegisters: Int
    /// Spans the meter refuses (exception 02 on the span alone).
    package private(set) var refused: Set<RegisterSpan> = []
    private var exceptionBreaks: Set<UInt16> = []
    private var timeoutBreaks: Set<UInt16> = []
    /// Timeout splits made since the meter last answered: undone at the next cycle unless an answer confirms them.
    private var unconfirmedTimeoutBreaks: [UInt16] = []
    /// How many timeout splits may follow one another without an answer before a timeout is a real failure (two
    /// allow a range the meter ignores inside another it ignores to be found in one poll).
    package static let unansweredSplitLimit = 2
    private var learntSince: ContinuousClock.Instant?
    private var cycle = 0
    private var lastAnsweredCycle: Int?
    private var lastException02Cycle: Int?
    private var consolidated = false

    /// - Parameters:
    ///   - spans: one per register value to read.
    ///   - maxRegisters: the configured largest block (default 125, the protocol's limit).
    ///   - reprobeInterval: how long lessons are kept (default one hour).
    package init(spans: [RegisterSpan], maxRegisters: Int = 125, reprobeInterval: Duration = .seconds(3600)) {
        // Spans already sorted and distinct (the register table's, shared by every meter's plan) keep their storage:
        // one array for the whole fleet instead of a copy per meter (about 1.4 KiB each; docs/performance.md).
        self.spans = zip(spans, spans.dropFirst()).allSatisfy { $0 < $1 } ? spans : Set(spans).sorted()
        self.maxRegisters = ReadPlanner(maxRegisters: maxRegisters).maxRegisters
        self.reprobeInterval = reprobeInterval
        self.learntMaxRegisters = self.maxRegisters
    }

    /// Whether anything has been learnt since the last re-probe.
    package var hasLearnt: Bool { learntSince != nil }

    /// The blocks to read in a new poll cycle at `now`; forgets every lesson first when the re-probe is due.
    package mutating func blocks(at now: ContinuousClock.Instant) -> [ReadBlock] {
        for boundary in unconfirmedTimeoutBreaks { timeoutBreaks.remove(boundary) }
        unconfirmedTimeoutBreaks = []
        if let learntSince, now - learntSince >= reprobeInterval {
            refused = []
            exceptionBreaks = []
            timeoutBreaks = []
            learntMaxRegisters = maxRegisters
            consolidated = false
            self.learntSince = nil
        }
        if !consolidated, !refused.isEmpty, !exceptionBreaks.isEmpty, lastException02Cycle != cycle {
            // A whole cycle without exception 02: the refused spans are found. The splits made while searching
            // for them are dropped once, so the blocks around each refused span are as large as before.
            exceptionBreaks = []
            consolidated = true
        }
        cycle += 1
        return currentPlan
    }

    /// The plan as it stands, without starting a cycle.
    package var currentPlan: [ReadBlock] {
        ReadPlanner(maxRegisters: learntMaxRegisters).plan(
            spans.filter { !refused.contains($0) },
            breaks: exceptionBreaks.union(timeoutBreaks)
        )
    }

    /// The meter answered `block`: it is online, so later timeouts of merged blocks may be split.
    package mutating func recordSuccess(_ block: ReadBlock) {
        answered()
    }

    /// The meter answered (values or an exception): the timeout splits made before it hold.
    private mutating func answered() {
        lastAnsweredCycle = cycle
        unconfirmedTimeoutBreaks = []
    }

    /// The meter answered exception 02 (illegal data address) to `block`.
    package mutating func recordException02(_ block: ReadBlock, at now: ContinuousClock.Instant) -> ReadPlanDecision {
        answered()
        lastException02Cycle = cycle
        learn(at: now)
        guard let boundary = Self.splitPoint(of: block) else {
            let span = block.spans[0]
            refused.insert(span)
            return .refused(span)
        }
        exceptionBreaks.insert(boundary)
        return .split(into: replan(block))
    }

    /// `block` got no valid reply in time.
    package mutating func recordTimeout(_ block: ReadBlock, at now: ContinuousClock.Instant) -> ReadPlanDecision {
        guard let answered = lastAnsweredCycle, answered >= cycle - 1,
            unconfirmedTimeoutBreaks.count < Self.unansweredSplitLimit,
            let boundary = Self.splitPoint(of: block)
        else {
            return .failed
        }
        learn(at: now)
        if timeoutBreaks.insert(boundary).inserted { unconfirmedTimeoutBreaks.append(boundary) }
        return .split(into: replan(block))
    }

    /// The meter answered exception 03 (illegal data value) to `block`: taken as "too many registers".
    package mutating func recordException03(_ block: ReadBlock, at now: ContinuousClock.Instant) -> ReadPlanDecision {
        answered()
        learn(at: now)
        let largestSpan = spans.map(\.count).max() ?? 1
        guard block.spans.count > 1, block.count > largestSpan else {
            refused.insert(block.spans[0])
            return .refused(block.spans[0])
        }
        // A block planned before an earlier halving is re-planned at the size learnt since, not halved again.
        if block.count <= learntMaxRegisters { learntMaxRegisters = max(largestSpan, block.count / 2) }
        return .shrunk(maxRegisters: learntMaxRegisters, blocks: replan(block))
    }

    private mutating func learn(at now: ContinuousClock.Instant) {
        if learntSince == nil { learntSince = now }
    }

    private func replan(_ block: ReadBlock) -> [ReadBlock] {
        ReadPlanner(maxRegisters: learntMaxRegisters).plan(
            block.spans.filter { !refused.contains($0) },
            breaks: exceptionBreaks.union(timeoutBreaks)
        )
    }

    /// The span boundary nearest the middle of `block`'s registers; `nil` for a single span.
    static func splitPoint(of block: ReadBlock) -> UInt16? {
        let middle = Int(block.address) + block.count / 2
        return block.spans.dropFirst().map(\.address).min { abs(Int($0) - middle) < abs(Int($1) - middle) }
    }
}
