package import SerialIO

/// The steps of one mode C readout session as a value: each event returns the action the client carries out.
///
/// IEC 62056-21 clause 6.4.1 (protocol mode C, data readout):
/// 1. sign on: line at the sign-on settings, send `/?address!` CR LF, await the identification;
/// 2. after the reaction time tr, acknowledge `ACK 0 Z 0` CR LF with the proposed rate (or the sign-on rate when
///    the policy is to stay) and switch the line to that rate; await the data message;
/// 3. deliver the readout.
/// Field case: a meter that proposes a rate but keeps talking at 300 baud never gets its STX through after the
/// switch. When that happens and `retryAtSignOnSpeed` is set, the session starts once more with the policy
/// `stayAtSignOnSpeed`, after the line has gone quiet; a success then reports that policy so it is remembered.
package struct ReadoutStateMachine: Sendable {
    /// What the client does next.
    package enum Action: Sendable, Equatable {
        /// Wait until the line is quiet (only when `afterQuiet`), set `settings`, drop stale input, write
        /// `request`, then report the identification with `received(_:)`.
        case signOn(settings: LineSettings, request: [UInt8], afterQuiet: Bool)
        /// Wait `reactionTime`, write `message`, switch the line to `switchTo` when it is not `nil`, then report
        /// the data message with `received(_:)` or its absence with `dataStartTimedOut()`.
        case acknowledge(reactionTime: Duration, message: [UInt8], switchTo: LineSettings?)
        /// The session succeeded with `policy`.
        case deliver(Readout, policy: SpeedPolicy)
        /// The session failed.
        case fail(IEC62056Error)
    }

    private enum State: Sendable {
        case idle
        case awaitingIdentification(policy: SpeedPolicy, isRetry: Bool)
        case awaitingData(policy: SpeedPolicy, isRetry: Bool, switched: Bool, identification: IdentificationMessage)
        case finished
    }

    private let configuration: IEC62056ClientConfiguration
    private let request: [UInt8]
    private let initialPolicy: SpeedPolicy
    private var state = State.idle

    /// A session for the meter at `deviceAddress` (`nil`: any meter) that starts with `policy`.
    package init(deviceAddress: String?, policy: SpeedPolicy, configuration: IEC62056ClientConfiguration) {
        self.configuration = configuration
        self.request = IEC62056Encoder.encode(RequestMessage(deviceAddress: deviceAddress))
        self.initialPolicy = configuration.speedMode == .fixed ? .stayAtSignOnSpeed : policy
    }

    /// Starts the session.
    package mutating func start() -> Action {
        state = .awaitingIdentification(policy: initialPolicy, isRetry: false)
        return .signOn(settings: configuration.signOnSettings, request: request, afterQuiet: false)
    }

    /// The identification arrived.
    package mutating func received(_ identification: IdentificationMessage) -> Action {
        guard case .awaitingIdentification(let policy, let isRetry) = state else { return unexpected("identification") }
        let signOn = configuration.signOnSettings
        let stay = BaudRateCharacter.character(modeC: signOn.baudRate) ?? BaudRateCharacter.modeC[0].character
        let reaction = IEC62056ClientConfiguration.reactionTime(for: identification)
        var select = OptionSelectMessage(baudCharacter: stay)
        var switchTo: LineSettings?
        if policy == .switchToOffered {
            guard let rate = identification.proposedBaudRate else {
                state = .finished
                let z = String(UnicodeScalar(identification.baudCharacter))
                return .fail(.unsupportedBaudCharacter(z))
            }
            if rate != signOn.baudRate {
                select = OptionSelectMessage(baudCharacter: identification.baudCharacter)
                var settings = signOn
                settings.baudRate = rate
                switchTo = settings
            }
        }
        state = .awaitingData(
            policy: policy,
            isRetry: isRetry,
            switched: switchTo != nil,
            identification: identification
        )
        return .acknowledge(reactionTime: reaction, message: IEC62056Encoder.encode(select), switchTo: switchTo)
    }

    /// The data message arrived with a correct BCC.
    package mutating func received(_ message: DataMessage) -> Action {
        guard case .awaitingData(let policy, _, _, let identification) = state else {
            return unexpected("data message")
        }
        state = .finished
        return .deliver(Readout(identification: identification, dataSets: message.dataSets), policy: policy)
    }

    /// No STX arrived in time after the acknowledgement.
    package mutating func dataStartTimedOut() -> Action {
        guard case .awaitingData(_, let isRetry, let switched, _) = state else { return unexpected("timeout") }
        guard switched, !isRetry, configuration.retryAtSignOnSpeed else {
            state = .finished
            return .fail(.timeout(.dataMessageStart))
        }
        state = .awaitingIdentification(policy: .stayAtSignOnSpeed, isRetry: true)
        return .signOn(settings: configuration.signOnSettings, request: request, afterQuiet: true)
    }

    private mutating func unexpected(_ event: String) -> Action {
        state = .finished
        return .fail(.invalidSessionState(event: event))
    }
}
