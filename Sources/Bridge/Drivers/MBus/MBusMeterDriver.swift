import Foundation
import Logging
import MBus
package import PRO380
import PRO380Protocols
import SerialIO

/// One PRO380-Mb on an M-Bus bus, read by REQ_UD2 and written by SND_UD (manual appendix 2).
///
/// Every transaction (a readout, a selection plus readout, a write) holds the bus's `BusLine` for its whole
/// length: `.poll` for polls, `.command` for `get` and writes, so commands run at the next transaction
/// boundary. The driver runs on its line's executor (`unownedExecutor`), so a transaction is no executor hop.
///
/// Addressing: `address: N` reads primary address N (254 for a lone meter); `secondary_address: "13070042"`
/// selects by identification, manufacturer INM and medium 02. The version byte is learnt once by a selection
/// with the version as wildcard, then the full address is used. After a write of the primary or secondary
/// address the driver follows the meter to its new address and says so in the answer's `notice`.
///
/// A telegram that fails any check (checksum, length, a garbled collision, manufacturer other than INM) gives no
/// reading at all and counts as a protocol error; a record with an invalid value is left out alone.
package actor MBusMeterDriver: MeterDriver {
    /// What the driver knows about the bus it is on.
    package struct Options: Sendable {
        /// The meter is the only one configured on the bus (a baud-rate change is only safe then).
        package var aloneOnBus: Bool
        /// The bus is a serial line the bridge drives (over a TCP gateway the line speed is the gateway's).
        package var serialLine: Bool

        package init(aloneOnBus: Bool, serialLine: Bool) {
            self.aloneOnBus = aloneOnBus
            self.serialLine = serialLine
        }
    }

    package let name: String
    let line: BusLine<MBusClient>
    let options: Options
    let logger: Logger
    let mapper = MBusRecordMapper()
    /// Where the meter is reached; `nil` until a secondary address's version byte is learnt.
    var target: MBusAddress?
    /// The configured secondary identification, when the meter is addressed that way.
    var secondaryIdentification: String?
    var counters = PollCounters()
    var lastAnswered = false
    /// The last readout got no answer at all: the next poll is a probe, each request sent once (`PollSchedule`).
    var silent = false

    package nonisolated var unownedExecutor: UnownedSerialExecutor { line.unownedExecutor }

    init(meter: MeterConfiguration, line: BusLine<MBusClient>, options: Options, logger: Logger) {
        name = meter.name
        self.line = line
        self.options = options
        self.logger = logger
        if let address = meter.address {
            target = .primary(UInt8(clamping: address))
        } else {
            secondaryIdentification = meter.secondaryAddress
        }
    }

    /// The key a failed readout is reported under.
    static let readoutKey = "mbus_readout"

    /// The keys an M-Bus readout carries: the table's M-Bus records and the header's three.
    package static let headerKeys: Set<String> = ["serial_number", "software_version", "error_code"]

    package func poll(groups: Set<PollGroup>) async -> PollOutcome {
        guard !groups.isDisjoint(with: [.energy, .identity]) else {
            // Nothing instantaneous travels over M-Bus: no transaction, availability unchanged.
            counters.polls += 1
            return PollOutcome(meterAnswered: lastAnswered)
        }
        let outcome = await readout(groups: groups, priority: .poll)
        // Counted when the poll ends, together with its result: counters read meanwhile stay consistent.
        counters.polls += 1
        if outcome.failures.contains(where: { $0.keys == [Self.readoutKey] }) { counters.failedPolls += 1 }
        return outcome
    }

    package func read(keys: [String]) async -> PollOutcome {
        var outcome = await readout(groups: Set(PollGroup.allCases), priority: .command)
        let wanted = Set(keys)
        let found = Set(outcome.readings.map(\.key))
        outcome.readings = outcome.readings.filter { wanted.contains($0.key) }
        let missing = keys.filter { !found.contains($0) }
        if !missing.isEmpty, outcome.meterAnswered {
            outcome.failures.append(ReadFailure(keys: missing, reason: "no M-Bus record carries it"))
        }
        return outcome
    }

    package func refusedKeys() async -> Set<String> {
        let table = mapper.table
        return Set(
            table.definitions.filter { $0.mbus == nil && !Self.headerKeys.contains($0.key) && $0.write?.mbus == nil }
                .map(\.key)
        )
    }

    package func diagnostics() async -> MeterDiagnostics { MeterDiagnostics(counters, await line.counters(for: name)) }

    /// One readout (with the selection or SND_NKE it needs), mapped for `groups`.
    func readout(groups: Set<PollGroup>, priority: BusGate.Priority) async -> PollOutcome {
        let attempts = silent && priority == .poll ? 1 : Int.max
        do {
            let reading = try await transaction(priority) { client, target in
                try await client.withAttempts(attempts) {
                    (target, try await client.readData(from: target, manufacturer: .inepro))
                }
            }
            lastAnswered = true
            silent = false
            let mapped = mapper.map(reading, groups: groups, time: Date())
            counters.rejectedValues += mapped.failures.count
            return PollOutcome(readings: mapped.readings, failures: mapped.failures, meterAnswered: true)
        } catch {
            let answered = Self.meterAnswered(error)
            lastAnswered = answered
            silent = !answered
            if secondaryIdentification != nil, case MBusError.noReply = error {
                // Relearn the version byte next time (a firmware update changes it and the selection misses).
                target = nil
            }
            // The poller logs the failure (once while it lasts).
            logger.debug("M-Bus readout failed", metadata: ["error": "\(error)"])
            return PollOutcome(
                failures: [ReadFailure(keys: [Self.readoutKey], reason: "\(error)")],
                meterAnswered: answered
            )
        }
    }

    /// Runs `body` with the bus held at `priority` and the meter's address (its secondary address's version byte
    /// learnt on first use); `body` returns where the meter is reached afterwards, with its result.
    func transaction<T: Sendable>(
        _ priority: BusGate.Priority,
        _ body: nonisolated(nonsending) @Sendable (MBusClient, MBusAddress) async throws -> (MBusAddress, T)
    ) async throws -> T {
        let known = target
        let identification = secondaryIdentification ?? ""
        let (reached, result) = try await line.transaction(priority: priority, meter: name) { client in
            try await body(client, try await Self.resolve(client, known: known, identification: identification))
        }
        target = reached
        return result
    }

    /// The meter's address: `known`, or the secondary address with `identification` found by a search.
    nonisolated(nonsending) static func resolve(
        _ client: MBusClient,
        known: MBusAddress?,
        identification: String
    ) async throws -> MBusAddress {
        if let known { return known }
        let mask = try SecondaryAddress(
            identification: identification,
            manufacturer: .inepro,
            medium: FixedDataHeader.electricity
        )
        let found = try await client.searchSecondaryAddresses(within: mask)
        guard found.count == 1, let header = found.first else {
            throw MBusError.noReply(address: "secondary address \(identification)", attempts: 1)
        }
        return .secondary(header.address)
    }

    /// Whether the meter answered at all despite `error` (a reply of the wrong kind is an answer).
    static func meterAnswered(_ error: any Error) -> Bool {
        if case MBusError.unexpectedReply = error { return true }
        return false
    }
}
