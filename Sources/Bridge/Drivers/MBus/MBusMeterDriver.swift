import Foundation
package import Logging
import MBus
package import PRO380
import SerialIO

/// One PRO380-Mb on an M-Bus bus, read by REQ_UD2 and written by SND_UD (manual appendix 2).
///
/// Every transaction (a readout, a selection plus readout, a write) holds the bus's `BusGate` for its whole
/// length: `.poll` for polls, `.command` for `get` and writes, so commands run at the next transaction
/// boundary. The `MBusClient` underneath has its own FIFO; with the gate in front it only ever sees one caller.
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
    let link: MBusLink
    let gate: BusGate
    let options: Options
    let logger: Logger
    let mapper = MBusRecordMapper()
    /// Where the meter is reached; `nil` until a secondary address's version byte is learnt.
    var target: MBusAddress?
    /// The configured secondary identification, when the meter is addressed that way.
    var secondaryIdentification: String?
    var counters = MeterDiagnostics()
    var lastAnswered = false

    package init(meter: MeterConfiguration, link: MBusLink, gate: BusGate, options: Options, logger: Logger) {
        name = meter.name
        self.link = link
        self.gate = gate
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

    package func diagnostics() async -> MeterDiagnostics { counters }

    /// One readout (with the selection or SND_NKE it needs), mapped for `groups`.
    func readout(groups: Set<PollGroup>, priority: BusGate.Priority) async -> PollOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let reading = try await transaction(priority) { client in
                try await client.readData(from: try await self.resolve(client), manufacturer: .inepro)
            }
            counters.lastRoundTripMilliseconds = Self.milliseconds(clock.now - started)
            lastAnswered = true
            let mapped = mapper.map(reading, groups: groups, time: Date())
            counters.rejectedValues += mapped.failures.count
            return PollOutcome(readings: mapped.readings, failures: mapped.failures, meterAnswered: true)
        } catch {
            let answered = count(error)
            lastAnswered = answered
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

    /// Runs `body` with the bus held at `priority`; a transport failure closes the transport for a reopen.
    func transaction<T: Sendable>(
        _ priority: BusGate.Priority,
        _ body: (MBusClient) async throws -> T
    ) async throws
        -> T
    {
        try await gate.withTransaction(priority: priority) {
            let client = try await link.client()
            counters.transactions += 1
            do {
                return try await body(client)
            } catch MBusError.transport(let error) {
                await link.drop(client)
                throw MBusError.transport(error)
            }
        }
    }

    /// The meter's address, learning the version byte of a secondary address on first use.
    func resolve(_ client: MBusClient) async throws -> MBusAddress {
        if let target { return target }
        let identification = secondaryIdentification ?? ""
        let mask = try SecondaryAddress(
            identification: identification,
            manufacturer: .inepro,
            medium: FixedDataHeader.electricity
        )
        let found = try await client.searchSecondaryAddresses(within: mask)
        guard found.count == 1, let header = found.first else {
            throw MBusError.noReply(address: "secondary address \(identification)", attempts: 1)
        }
        target = .secondary(header.address)
        return .secondary(header.address)
    }

    /// Counts `error` in the diagnostics and says whether the meter answered at all.
    @discardableResult
    func count(_ error: any Error) -> Bool {
        guard let error = error as? MBusError else { return false }
        switch error {
        case .noReply: counters.timeouts += 1
        case .unexpectedReply:
            counters.protocolErrors += 1
            return true
        case .transport(let inner) where inner.isTimeout: counters.timeouts += 1
        case .transport: break
        default: counters.protocolErrors += 1
        }
        return false
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

extension TransportError {
    /// Whether no byte arrived in time.
    var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }
}
