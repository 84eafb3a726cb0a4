package import SerialIO

/// How an `IEC62056Client` signs on and how long it waits.
///
/// Defaults follow IEC 62056-21 clause 6.3.14 (timing): the meter answers within the reaction time tr
/// (200 ms ≤ tr ≤ 1500 ms, 20 ms minimum when its third manufacturer letter is lower case) and keeps at most
/// ta = 1500 ms between two characters of a message.
package struct IEC62056ClientConfiguration: Sendable, Equatable {
    /// Whether the session switches to the baud rate the meter proposes.
    package enum SpeedMode: String, Sendable, Equatable, Hashable {
        /// Mode C: acknowledge with the proposed rate and switch the transport to it.
        case switchToOffered
        /// Stay at the sign-on speed (`ACK 0 0 0` at 300 baud): for optical heads and serial-to-TCP gateways
        /// that cannot change speed.
        case fixed
    }

    /// `switchToOffered` (default) or `fixed`.
    package var speedMode: SpeedMode
    /// The line settings of the sign-on: 300 baud 7E1 by the standard. A pty or TCP gateway transport runs what
    /// it can; the SerialIO layer decides.
    package var signOnSettings: LineSettings
    /// How long to wait for the first byte of the identification after the request (tr max plus margin).
    package var identificationTimeout: Duration
    /// How long to wait for the STX after the acknowledgement and the speed switch (tr max plus margin).
    package var dataStartTimeout: Duration
    /// The longest pause between two characters of a message (ta).
    package var interCharacterTimeout: Duration
    /// The longest a data message may take from its STX to its BCC (a long readout at 300 baud takes minutes).
    package var maximumReadoutDuration: Duration
    /// Whether a session whose data never arrives after a speed switch is retried at the sign-on speed; when that
    /// succeeds the client remembers `SpeedPolicy.stayAtSignOnSpeed` for the meter.
    package var retryAtSignOnSpeed: Bool

    package init(
        speedMode: SpeedMode = .switchToOffered,
        signOnSettings: LineSettings = LineSettings(baudRate: 300, dataBits: 7, parity: .even, stopBits: 1),
        identificationTimeout: Duration = .milliseconds(2000),
        dataStartTimeout: Duration = .milliseconds(2000),
        interCharacterTimeout: Duration = .milliseconds(1500),
        maximumReadoutDuration: Duration = .seconds(300),
        retryAtSignOnSpeed: Bool = true
    ) {
        self.speedMode = speedMode
        self.signOnSettings = signOnSettings
        self.identificationTimeout = identificationTimeout
        self.dataStartTimeout = dataStartTimeout
        self.interCharacterTimeout = interCharacterTimeout
        self.maximumReadoutDuration = maximumReadoutDuration
        self.retryAtSignOnSpeed = retryAtSignOnSpeed
    }

    /// The reaction time tr the HHU waits after the identification before it sends the acknowledgement:
    /// 200 ms, or 20 ms for a meter whose third manufacturer letter is lower case (clause 6.3.2).
    package static func reactionTime(for identification: IdentificationMessage) -> Duration {
        identification.hasShortReactionTime ? .milliseconds(20) : .milliseconds(200)
    }
}

/// What a session does with the meter's proposed speed; learned per meter by `IEC62056Client`.
package enum SpeedPolicy: String, Sendable, Equatable, Hashable, Codable {
    /// Acknowledge the proposed rate and switch to it (mode C).
    case switchToOffered
    /// Acknowledge with the sign-on rate and stay: the meter proposes a speed but keeps talking at 300 baud, or
    /// the configuration is fixed speed.
    case stayAtSignOnSpeed
}
