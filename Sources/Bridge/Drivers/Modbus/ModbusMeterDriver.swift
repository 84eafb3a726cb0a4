import Foundation
import Logging
import Modbus
import PRO380
import PRO380Protocols
import SerialIO

/// Reads one PRO380-Mod through its bus's `BusLine`: plans function-03 reads from the register table, learns
/// what the meter refuses, decodes every value, and writes commands.
///
/// A poll reads the planned blocks that hold a due group's registers (a full poll of a PRO380 that accepts 125
/// registers is three requests: 0x4000, 0x5000 and 0x6000). What a reply teaches goes into `ReadPlanState`:
/// exception 02 splits a block and then refuses the single register value (the PRO1-only rows), exception 03
/// halves the block size, a timeout of a merged block while the meter answers other reads of the same poll splits
/// it. A meter that answers nothing costs one timeout a poll, so it never holds its bus for longer than that; after
/// a poll that failed on its first block, the next poll reads the blocks in reverse order, so a meter that ignores
/// only one merged range still proves itself alive before that range times out, and the range gets split.
///
/// The driver runs on its line's executor (`unownedExecutor`), so a transaction is no executor hop.
actor ModbusMeterDriver: MeterDriver {
    let configuration: MeterConfiguration
    let line: BusLine<ModbusClient>
    let logger: Logger
    let table = RegisterTable.pro380
    /// The unit id; changes when a `modbus_id` command moves the meter.
    var unit: UInt8
    var plan: ReadPlanState
    var counters = PollCounters()
    /// The last poll timed out on its first block: read in reverse order next time.
    var reverseOrder = false
    /// The keys whose refusal was logged at info level.
    var loggedRefusals: Set<String> = []
    /// The table's readable rows by register span: the storage of `ModbusBlockDecoding.pro380`'s, shared by every
    /// driver (a copy per driver cost about 24 KiB a meter; `bench scale`, docs/performance.md).
    let rowsBySpan: [RegisterSpan: RegisterDefinition]
    /// Whether this is the only meter on its bus (a baud-rate or parity change is refused otherwise).
    let aloneOnBus: Bool
    /// The register map the meter answers; `nil` until the first contact tells (`checkRegisterMap`).
    var registerMap: RegisterMap?

    /// The spans of `rowsBySpan`, sorted once: every driver's `ReadPlanState` shares this array's storage.
    static let tableSpans = ModbusBlockDecoding.pro380.rowsBySpan.keys.sorted()

    /// Transactions one poll may spend while splitting blocks (a bound, never reached by a sane meter).
    static let transactionBudget = 48

    nonisolated var unownedExecutor: UnownedSerialExecutor { line.unownedExecutor }

    init(configuration: MeterConfiguration, line: BusLine<ModbusClient>, logger: Logger, aloneOnBus: Bool) {
        self.configuration = configuration
        self.aloneOnBus = aloneOnBus
        self.line = line
        self.logger = logger
        self.unit = UInt8(configuration.address ?? 1)
        self.rowsBySpan = ModbusBlockDecoding.pro380.rowsBySpan
        self.plan = ReadPlanState(spans: Self.tableSpans, maxRegisters: configuration.maxRegisters)
    }

    func poll(groups: Set<PollGroup>) async -> PollOutcome {
        let outcome = await read(spansOf: { groups.contains($0.group) }, priority: .poll)
        // Counted when the poll ends, together with its result: counters read meanwhile stay consistent.
        counters.polls += 1
        if !outcome.meterAnswered { counters.failedPolls += 1 }
        return outcome
    }

    func read(keys: [String]) async -> PollOutcome {
        let wanted = Set(keys)
        return await read(spansOf: { wanted.contains($0.key) }, priority: .command)
    }

    func refusedKeys() async -> Set<String> { Set(plan.refused.compactMap { rowsBySpan[$0]?.key }) }

    func diagnostics() async -> MeterDiagnostics {
        var diagnostics = MeterDiagnostics(counters, await line.counters(for: configuration.name))
        diagnostics.registerMap = registerMap
        return diagnostics
    }

    /// Reads the planned blocks holding the rows that `wanted` selects, trimmed to those rows.
    private func read(spansOf wanted: (RegisterDefinition) -> Bool, priority: BusGate.Priority) async -> PollOutcome {
        if registerMap == .legacyV114, let answer = await checkRegisterMap(priority: priority) {
            return answer
        }
        var outcome = PollOutcome(meterAnswered: false)
        var queue = plan.blocks(at: .now).compactMap { trim($0, to: wanted) }
        if reverseOrder { queue.reverse() }
        var budget = Self.transactionBudget
        while !queue.isEmpty, budget > 0 {
            let block = queue.removeFirst()
            budget -= 1
            do {
                let registers = try await readBlock(block, priority: priority)
                outcome.meterAnswered = true
                plan.recordSuccess(block)
                registerMap = .current
                decode(block, registers, into: &outcome, selecting: wanted)
            } catch let error as ModbusError {
                switch error {
                case .exception(_, .illegalDataAddress):
                    outcome.meterAnswered = true
                    if registerMap == nil, let answer = await checkRegisterMap(priority: priority) {
                        return answer
                    }
                    queue.insert(
                        contentsOf: apply(plan.recordException02(block, at: .now), block, wanted, &outcome, error),
                        at: 0
                    )
                case .exception(_, .illegalDataValue):
                    outcome.meterAnswered = true
                    queue.insert(
                        contentsOf: apply(plan.recordException03(block, at: .now), block, wanted, &outcome, error),
                        at: 0
                    )
                case .exception:
                    outcome.meterAnswered = true
                    outcome.failures.append(failure(block, "\(error)"))
                case .timeout:
                    // Only a meter that answered earlier in this poll is known to be alive: then the silence is
                    // about this block and splitting it may help. Otherwise one timeout ends the poll.
                    let decision = outcome.meterAnswered ? plan.recordTimeout(block, at: .now) : .failed
                    if decision == .failed {
                        reverseOrder = !outcome.meterAnswered && !reverseOrder
                        outcome.failures.append(failure(block, "\(error)"))
                        abandon(&queue, &outcome, reason: "meter not answering")
                    } else {
                        queue.insert(contentsOf: apply(decision, block, wanted, &outcome, error), at: 0)
                    }
                default:
                    outcome.failures.append(failure(block, "\(error)"))
                }
            } catch {
                outcome.failures.append(failure(block, "\(error)"))
                abandon(&queue, &outcome, reason: "\(error)")
            }
        }
        abandon(&queue, &outcome, reason: "transaction budget of a poll used up")
        if outcome.meterAnswered && reverseOrder
            && !outcome.failures.contains(where: { $0.reason.contains("meter not answering") })
        {
            reverseOrder = false
        }
        return outcome
    }

    func readBlock(_ block: ReadBlock, priority: BusGate.Priority) async throws -> [UInt16] {
        let unit = self.unit
        let gap = configuration.requestGap
        return try await line.transaction(priority: priority, meter: configuration.name) { client in
            try await client.readHoldingRegisters(
                unit: unit,
                address: block.address,
                count: block.count,
                requestGap: gap
            )
        }
    }

    /// The part of `block` from its first to its last wanted span; `nil` if it holds none.
    private func trim(_ block: ReadBlock, to wanted: (RegisterDefinition) -> Bool) -> ReadBlock? {
        let selected = block.spans.indices.filter { rowsBySpan[block.spans[$0]].map(wanted) ?? false }
        guard let first = selected.first, let last = selected.last else { return nil }
        let spans = Array(block.spans[first...last])
        let start = spans[0].address
        let end = Int(spans[spans.count - 1].address) + spans[spans.count - 1].count
        return ReadBlock(address: start, count: end - Int(start), spans: spans)
    }

    private func apply(
        _ decision: ReadPlanDecision,
        _ block: ReadBlock,
        _ wanted: (RegisterDefinition) -> Bool,
        _ outcome: inout PollOutcome,
        _ error: ModbusError
    ) -> [ReadBlock] {
        switch decision {
        case .split(let blocks), .shrunk(_, let blocks):
            logger.debug("\(block) answered \(error): reading it in \(blocks.count) parts")
            return blocks.compactMap { trim($0, to: wanted) }
        case .refused(let span):
            let key = rowsBySpan[span]?.key ?? "\(span)"
            // Once per key and run: the hourly re-probe finds the same refusal again.
            let first = loggedRefusals.insert(key).inserted
            logger.log(
                level: first ? .info : .debug,
                "meter refuses \(key) (\(span)): not asked again until the hourly re-probe"
            )
            outcome.failures.append(
                ReadFailure(keys: [key], reason: "refused by the meter (\(error))", refusedByMeter: true)
            )
            return []
        case .failed:
            outcome.failures.append(failure(block, "\(error)"))
            return []
        }
    }

    private func abandon(_ queue: inout [ReadBlock], _ outcome: inout PollOutcome, reason: String) {
        for block in queue { outcome.failures.append(failure(block, "not read: \(reason)")) }
        queue.removeAll()
    }

    private func failure(_ block: ReadBlock, _ reason: String) -> ReadFailure {
        ReadFailure(keys: block.spans.compactMap { rowsBySpan[$0]?.key }, reason: reason)
    }

    private func decode(
        _ block: ReadBlock,
        _ registers: [UInt16],
        into outcome: inout PollOutcome,
        selecting wanted: (RegisterDefinition) -> Bool
    ) {
        for decoded in ModbusBlockDecoding.pro380.decode(block, registers, at: Date()) {
            switch decoded.result {
            case .success(let reading):
                outcome.readings.append(reading)
            case .failure(let error):
                counters.rejectedValues += 1
                logger.warning("refused value: \(error)")
                outcome.failures.append(ReadFailure(keys: [decoded.row.key], reason: "\(error)"))
            }
        }
    }
}
