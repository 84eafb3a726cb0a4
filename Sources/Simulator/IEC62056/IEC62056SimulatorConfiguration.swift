package import IEC62056

/// Where a simulated optical port is served.
package enum IEC62056SimulatorEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// A new pseudo-terminal; the bridge opens its device path as an optical head's serial port.
    case pseudoTerminal
    /// A listening socket, as a serial-to-TCP gateway with an optical head; port 0 picks a free port.
    case tcp(host: String, port: Int)

    package var description: String {
        switch self {
        case .pseudoTerminal: return "iec62056 on a pseudo-terminal"
        case .tcp(let host, let port): return "iec62056 on \(host):\(port)"
        }
    }
}

/// How a simulated PRO380 answers on its optical port (IEC 62056-21 mode C).
package struct IEC62056SimulatorConfiguration: Sendable, Equatable {
    /// The identification message: `/INM5PRO380-2.18` by default (manufacturer INM, Inepro; baud character `5`,
    /// 9600 baud offered; upper-case third letter, so the standard 200 ms reaction time applies).
    package var identification: IdentificationMessage
    /// The device address the meter answers to besides the empty one (`/?!`); `nil` answers every request.
    /// Leading zeros are ignored, as the standard says (clause 6.3.1).
    package var deviceAddress: String?
    /// How long the meter waits after a request or an acknowledgement before it answers (tr, clause 6.3.14).
    package var reactionTime: Duration
    /// Faults at start; `IEC62056SimulatorServer.setFaults(_:)` changes them while it runs.
    package var faults: IEC62056SimulatorFaults

    package init(
        identification: IdentificationMessage = IdentificationMessage(
            manufacturer: "INM",
            baudCharacter: 0x35,
            identification: "PRO380-2.18"
        ),
        deviceAddress: String? = nil,
        reactionTime: Duration = .milliseconds(200),
        faults: IEC62056SimulatorFaults = IEC62056SimulatorFaults()
    ) {
        self.identification = identification
        self.deviceAddress = deviceAddress
        self.reactionTime = reactionTime
        self.faults = faults
    }
}

/// Faults a simulated optical port can show.
package struct IEC62056SimulatorFaults: Sendable, Equatable {
    /// Send every data message with a wrong BCC (the last byte flipped).
    package var badBCC: Bool
    /// Propose the offered rate, but keep talking at 300 baud after an acknowledgement that selects it: the HHU,
    /// switched to the new rate, receives only framing garbage, never an STX (a field case of issue 5).
    package var ignoresSpeedSwitch: Bool

    package init(badBCC: Bool = false, ignoresSpeedSwitch: Bool = false) {
        self.badBCC = badBCC
        self.ignoresSpeedSwitch = ignoresSpeedSwitch
    }
}
