import Foundation
package import IEC62056
package import Logging
package import PRO380
import PRO380Protocols
import SerialIO

/// Reads one PRO380 through its IEC 62056-21 optical port: every poll is one mode C data readout.
///
/// A readout is one transaction on the bus's `BusLine` (`.poll` priority for polls, `.command` for an MQTT
/// `get`); it always brings the meter's whole list, whatever groups were asked for, and all of it is published.
/// Data sets map onto the vocabulary with `OBISReadingMapper`. A readout with a wrong BCC is discarded whole:
/// nothing of it is returned, and it counts as a failed poll and a protocol error. The optical port is read-only:
/// `write` throws `CommandError.notSupported`.
///
/// The speed policy the client learns for this meter (a meter that proposes a speed but stays at 300 baud) is
/// kept here and handed to the client at every readout, so it survives reopening the line for the process
/// lifetime. The driver runs on its line's executor (`unownedExecutor`), so a readout is no executor hop.
package actor IEC62056MeterDriver: MeterDriver {
    /// The name `CommandError.notSupported` gives the protocol.
    package static let protocolName = "IEC 62056-21 (read-only optical readout)"

    package let meter: String
    package let deviceAddress: String?
    private let line: BusLine<IEC62056Client>
    private let mapper: OBISReadingMapper
    private let logger: Logger
    private var counters = PollCounters()
    private var lastKeys: Set<String>?
    private var policy = SpeedPolicy.switchToOffered

    package nonisolated var unownedExecutor: UnownedSerialExecutor { line.unownedExecutor }

    /// A driver for the meter `meter` at `deviceAddress` (`nil`: the only meter at the head) on `line`.
    package init(
        meter: String,
        deviceAddress: String?,
        line: BusLine<IEC62056Client>,
        table: RegisterTable = .pro380,
        logger: Logger
    ) {
        self.meter = meter
        self.deviceAddress = deviceAddress
        self.line = line
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

    package func diagnostics() async -> MeterDiagnostics {
        MeterDiagnostics(counters, await line.counters(for: meter))
    }

    /// The speed policy the line uses for this meter now.
    package func speedPolicy() async -> SpeedPolicy { policy }

    private func readout(priority: BusGate.Priority) async -> PollOutcome {
        let result: Swift.Result<Readout, any Error>
        do {
            let (deviceAddress, policy) = (self.deviceAddress, self.policy)
            let (readout, learned) = try await line.transaction(priority: priority, meter: meter) { client in
                client.rememberSpeedPolicy(policy, forDevice: deviceAddress)
                let readout = try await client.readout(deviceAddress: deviceAddress)
                return (readout, client.speedPolicy(forDevice: deviceAddress))
            }
            learn(learned)
            result = .success(readout)
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let readout):
            let mapped = mapper.map(readout.dataSets, time: Date())
            counters.rejectedValues += mapped.rejected.count
            lastKeys = Set(mapped.readings.map(\.key))
            return PollOutcome(readings: mapped.readings, failures: mapped.rejected, meterAnswered: true)
        case .failure(let error):
            // The poller logs the failure (once while it lasts).
            logger.debug("readout failed: \(error)", metadata: ["meter": "\(meter)"])
            return PollOutcome(failures: [ReadFailure(keys: ["*"], reason: "\(error)")], meterAnswered: false)
        }
    }

    private func learn(_ learned: SpeedPolicy) {
        if learned != policy {
            logger.notice(
                "meter keeps talking at the sign-on speed: reading it without a speed switch from now on",
                metadata: ["endpoint": "\(line.endpoint)", "device_address": "\(deviceAddress ?? "-")"]
            )
        }
        policy = learned
    }
}
