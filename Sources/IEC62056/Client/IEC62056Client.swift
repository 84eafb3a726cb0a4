package import SerialIO

/// Reads meters through IEC 62056-21 mode C data readouts over one transport.
///
/// A plain class, not `Sendable`: the bridge's `BusLine` owns it and runs its methods on the bus actor's executor
/// (they are `nonisolated(nonsending)`), one transaction at a time. A second `readout` started while one runs
/// (a reentrant call) is refused with `IEC62056Error.busy` rather than interleaved on the line.
///
/// Speed memory: when a meter proposes a rate but keeps talking at the sign-on speed, the session is retried at
/// that speed (`ReadoutStateMachine`) and the client remembers `SpeedPolicy.stayAtSignOnSpeed` for the meter's
/// device address. `speedPolicy(forDevice:)` exposes it so the bridge can persist it, and
/// `rememberSpeedPolicy(_:forDevice:)` restores it at start.
package final class IEC62056Client {
    package let transport: any Transport
    let configuration: IEC62056ClientConfiguration
    private var learnedPolicies: [String: SpeedPolicy] = [:]
    private var isBusy = false

    package init(transport: any Transport, configuration: IEC62056ClientConfiguration = .init()) {
        self.transport = transport
        self.configuration = configuration
    }

    /// The policy the next readout of the meter at `deviceAddress` (`nil`: the only meter) starts with.
    package func speedPolicy(forDevice deviceAddress: String?) -> SpeedPolicy {
        learnedPolicies[deviceAddress ?? ""] ?? .switchToOffered
    }

    /// Sets the policy for the meter at `deviceAddress`, e.g. one the bridge persisted earlier.
    package func rememberSpeedPolicy(_ policy: SpeedPolicy, forDevice deviceAddress: String?) {
        learnedPolicies[deviceAddress ?? ""] = policy
    }

    /// Runs one data readout session with the meter at `deviceAddress` (`nil`: any meter on the port).
    ///
    /// Signs on at the configured sign-on settings, reads the identification, acknowledges after the reaction
    /// time, switches speed (unless fixed or learned otherwise), and reads the data message. Nothing of a
    /// message with a wrong BCC is returned.
    /// - Returns: the identification and the data sets.
    /// - Throws: `IEC62056Error` (timeouts by phase, BCC mismatch, malformed messages, `busy`);
    ///   `TransportError` other than timeouts unchanged; `CancellationError`.
    package func readout(deviceAddress: String? = nil) async throws -> Readout {
        guard !isBusy else { throw IEC62056Error.busy }
        isBusy = true
        defer { isBusy = false }
        var machine = ReadoutStateMachine(
            deviceAddress: deviceAddress,
            policy: speedPolicy(forDevice: deviceAddress),
            configuration: configuration
        )
        var action = machine.start()
        while true {
            switch action {
            case .signOn(let settings, let request, let afterQuiet):
                if afterQuiet { try await waitForQuietLine() }
                try await transport.reconfigure(settings)
                try await transport.discardInput()
                try await transport.write(request)
                action = machine.received(try await readIdentification())
            case .acknowledge(let reactionTime, let message, let switchTo):
                try await Task.sleep(for: reactionTime)
                try await transport.write(message)
                if let switchTo { try await transport.reconfigure(switchTo) }
                do {
                    action = machine.received(try await readDataMessage())
                } catch IEC62056Error.timeout(.dataMessageStart) {
                    action = machine.dataStartTimedOut()
                }
            case .deliver(let readout, let policy):
                if configuration.speedMode == .switchToOffered { learnedPolicies[deviceAddress ?? ""] = policy }
                return readout
            case .fail(let error):
                throw error
            }
        }
    }
}
