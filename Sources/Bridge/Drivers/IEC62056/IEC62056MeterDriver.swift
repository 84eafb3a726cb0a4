import Foundation
package import IEC62056
package import Logging
package import PRO380
import SerialIO

/// Reads one PRO380 through its IEC 62056-21 optical port: every poll is one mode C data readout.
///
/// A readout is one transaction on the bus's `BusGate` (`.poll` priority for polls, `.command` for an MQTT
/// `get`); it always brings the meter's whole list, whatever groups were asked for, and all of it is published.
/// Data sets map onto the vocabulary with `OBISReadingMapper`. A readout with a wrong BCC is discarded whole:
/// nothing of it is returned, and it counts as a failed poll and a protocol error. The optical port is read-only:
/// `write` throws `CommandError.notSupported`.
package actor IEC62056MeterDriver: MeterDriver {
    /// The name `CommandError.notSupported` gives the protocol.
    package static let protocolName = "IEC 62056-21 (read-only optical readout)"

    package let meter: String
    package let deviceAddress: String?
    private let line: IEC62056Line
    private let gate: BusGate
    private let mapper: OBISReadingMapper
    private let logger: Logger
    private var counters = MeterDiagnostics()
    private var lastKeys: Set<String>?

    /// A driver for the meter `meter` at `deviceAddress` (`nil`: the only meter at the head) on `line`.
    package init(
        meter: String,
        deviceAddress: String?,
        line: IEC62056Line,
        gate: BusGate,
        table: RegisterTable = .pro380,
        logger: Logger
    ) {
        self.meter = meter
        self.deviceAddress = deviceAddress
        self.line = line
        self.gate = gate
        self.mapper = OBISReadingMapper(table: table)
        self.logger = logger
    }

    /// One full readout; `groups` does not narrow it (the meter sends its whole list).
    package func poll(groups: Set<PollGroup>) async -> PollOutcome {
        let outcome = await readout(priority: .poll)
        // Counted when the poll ends, together with its result: counters read meanwhile stay consistent.
        counters.polls += 1
        if outcome.readings.isEmpty && !outcome.failures.isEmpty { counters.failedPolls += 1 }
        return outcome
    }

    /// A full readout with command priority, narrowed to `keys`.
    package func read(keys: [String]) async -> PollOutcome {
        var outcome = await readout(priority: .command)
        guard outcome.meterAnswered else { return outcome }
        let wanted = Set(keys)
        let found = Set(outcome.readings.map(\.key))
        outcome.readings = outcome.readings.filter { wanted.contains($0.key) }
        let missing = keys.filter { !found.contains($0) }
        if !missing.isEmpty {
            outcome.failures.append(ReadFailure(keys: missing, reason: "not in the meter's readout"))
        }
        return outcome
    }

    /// Always throws: the optical port's data readout mode cannot write.
    package func write(_ command: MeterCommand) async throws -> CommandConfirmation {
        throw CommandError.notSupported(key: command.key, protocolName: Self.protocolName)
    }

    /// The table's keys the meter's last readout did not carry (empty before the first readout).
    package func refusedKeys() async -> Set<String> {
        guard let lastKeys else { return [] }
        return Set(RegisterTable.pro380.definitions.map(\.key)).subtracting(lastKeys)
    }

    package func diagnostics() async -> MeterDiagnostics { counters }

    /// The speed policy the line uses for this meter now.
    package func speedPolicy() async -> SpeedPolicy { await line.speedPolicy(forDevice: deviceAddress) }

    private func readout(priority: BusGate.Priority) async -> PollOutcome {
        let started = ContinuousClock.now
        let result: Swift.Result<Readout, any Error>
        do {
            let readout = try await gate.withTransaction(priority: priority) {
                try await line.readout(deviceAddress: deviceAddress)
            }
            result = .success(readout)
        } catch {
            result = .failure(error)
        }
        counters.transactions += 1
        switch result {
        case .success(let readout):
            let elapsed = ContinuousClock.now - started
            counters.lastRoundTripMilliseconds =
                Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let mapped = mapper.map(readout.dataSets, time: Date())
            counters.rejectedValues += mapped.rejected.count
            lastKeys = Set(mapped.readings.map(\.key))
            return PollOutcome(readings: mapped.readings, failures: mapped.rejected, meterAnswered: true)
        case .failure(let error):
            count(error)
            // The poller logs the failure (once while it lasts).
            logger.debug("readout failed: \(error)", metadata: ["meter": "\(meter)"])
            return PollOutcome(failures: [ReadFailure(keys: ["*"], reason: "\(error)")], meterAnswered: false)
        }
    }

    private func count(_ error: any Error) {
        switch error {
        case IEC62056Error.timeout, TransportError.timeout: counters.timeouts += 1
        case is IEC62056Error: counters.protocolErrors += 1
        default: break
        }
    }
}
