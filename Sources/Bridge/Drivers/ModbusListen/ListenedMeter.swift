import Foundation
import Modbus
import PRO380
import PRO380Protocols

/// What has been heard of one configured meter on a listen-only bus: a pure value fed with the paired traffic of
/// its unit id, drained by the meter's poller at its interval.
///
/// A read the master made (function 03 and its reply) is decoded through the register table exactly as a poll's
/// reply would be (`ModbusBlockDecoding`): rows the read holds whole become readings, a value the read cuts in half
/// is skipped, an implausible value is refused and counted. The newest reading of each key waits for the next
/// `collect()`. Writes the master makes (06, 16) are counted, never turned into values: the write's echo proves
/// the meter took it, not what the register reads now (a tariff written as 11 reads 1; a Modbus ID write moves
/// the meter), so the value is published when the master next reads it. Exception 02 to both probe areas
/// (0x4000, 0x6000) with nothing of the current map ever answered marks the meter as on the old register map.
struct ListenedMeter: Sendable {
    /// What `observe` found worth a log line.
    enum Event: Sendable, Equatable {
        case refusedValue(String)
        case legacyRegisterMap
    }

    let unit: UnitID
    /// The newest reading of each key since the last `collect()`.
    private var fresh: [String: Reading] = [:]
    /// The newest reading of each key ever heard (for `get`).
    private(set) var lastKnown: [String: Reading] = [:]
    /// Whether the meter answered anything since the last `collect()`.
    private(set) var answered = false
    /// The probe areas the meter refused with exception 02.
    private var refusedProbes: Set<String> = []
    private(set) var registerMap: RegisterMap?
    /// Writes of the master to this meter that the meter confirmed.
    private(set) var writesSeen = 0
    /// Polls (intervals with and without a reply heard) and values refused after decoding.
    private(set) var polls = PollCounters()
    /// The requests heard for this unit (`TransactionCounters.count`).
    private(set) var heard = TransactionCounters()

    /// The meter's diagnostics: its counters, `register_map` and `keys_seen`.
    var diagnostics: MeterDiagnostics {
        var diagnostics = MeterDiagnostics(polls, heard)
        diagnostics.registerMap = registerMap
        diagnostics.keysSeen = keysSeen
        return diagnostics
    }

    init(unit: UnitID) { self.unit = unit }

    /// The keys heard at least once, in table order.
    var keysSeen: [String] {
        RegisterTable.pro380.definitions.map(\.key).filter { lastKnown[$0] != nil }
    }

    /// Takes in one observation of this unit's traffic, heard at `time`.
    mutating func observe(_ observation: RTUObservation, at time: Date, decoding: ModbusBlockDecoding) -> [Event] {
        heard.count(observation)
        switch observation {
        case .exchange(_, let request, let response):
            answered = true
            return exchange(request, response, at: time, decoding: decoding)
        case .otherFunction:
            answered = true
        case .unanswered, .unpairedResponse:
            break
        }
        return []
    }

    private mutating func exchange(
        _ request: ModbusRequest,
        _ response: ModbusResponse,
        at time: Date,
        decoding: ModbusBlockDecoding
    ) -> [Event] {
        switch (request, response) {
        case (.readHoldingRegisters(let address, let count), .readHoldingRegisters(let values)):
            var events: [Event] = []
            for decoded in decoding.decode(decoding.block(address: address, count: count), values, at: time) {
                switch decoded.result {
                case .success(let reading):
                    fresh[reading.key] = reading
                    lastKnown[reading.key] = reading
                    registerMap = .current
                case .failure(let error):
                    polls.rejectedValues += 1
                    events.append(.refusedValue("\(error)"))
                }
            }
            return events
        case (.readHoldingRegisters(let address, let count), .exception(_, let code)):
            guard code == .illegalDataAddress, registerMap != .current else { return [] }
            for key in ModbusMeterDriver.mapProbeKeys {
                guard let mapping = RegisterTable.pro380[key]?.modbus else { continue }
                if Int(address) <= Int(mapping.address), Int(mapping.address) < Int(address) + count {
                    refusedProbes.insert(key)
                }
            }
            guard refusedProbes.count == ModbusMeterDriver.mapProbeKeys.count, registerMap == nil else { return [] }
            registerMap = .legacyV114
            return [.legacyRegisterMap]
        case (_, .exception):
            break
        default:
            writesSeen += 1
        }
        return []
    }

    /// What was heard since the last call, as a poll's outcome: the newest reading of each key, and whether the
    /// meter answered at all (its availability).
    mutating func collect(lineProblem: String?) -> PollOutcome {
        polls.polls += 1
        defer {
            fresh = [:]
            answered = false
        }
        guard answered else {
            polls.failedPolls += 1
            let reason =
                lineProblem
                ?? "no reply from unit \(unit) heard on the line since the last interval: is the master polling it?"
            return PollOutcome(failures: [ReadFailure(keys: [], reason: reason)], meterAnswered: false)
        }
        return PollOutcome(readings: Array(fresh.values), meterAnswered: true)
    }
}
