/// Why an IEC 62056-21 exchange failed at the protocol level.
///
/// Transport failures (a closed port, a failed system call) are thrown as `SerialIO.TransportError` unchanged;
/// a transport timeout becomes `timeout(_:)` here because only the protocol knows which phase was waiting.
package enum IEC62056Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The phase of a readout session that was waiting when time ran out.
    package enum Phase: String, Sendable, Equatable, Hashable {
        /// Waiting for the identification message after the request.
        case identification
        /// Waiting for the STX of the data message after the acknowledgement (and the speed switch).
        case dataMessageStart
        /// Waiting for the rest of the data message after its STX.
        case dataMessage
    }

    /// The identification line (as text) does not follow `/XXXZ...`.
    case malformedIdentification(String, reason: String)
    /// The meter proposed a baud rate character that mode C does not define.
    case unsupportedBaudCharacter(String)
    /// The block check character did not match: the whole data message is rejected.
    case bccMismatch(computed: UInt8, received: UInt8)
    /// The data message's frame is wrong (no `!` CR LF before ETX, a second STX, ...).
    case malformedDataMessage(reason: String)
    /// A data line of a BCC-correct message does not parse as data sets.
    case malformedDataLine(String, reason: String)
    /// A message grew past the decoder's limit without its end character.
    case messageTooLong(limit: Int)
    /// Nothing (or nothing usable) arrived in time.
    case timeout(Phase)
    /// The session state machine got an event it cannot take in its state (a client bug, not a meter fault).
    case invalidSessionState(event: String)
    /// A second readout was started on a client while one was running.
    case busy

    package var description: String {
        switch self {
        case .malformedIdentification(let line, let reason): return "malformed identification \"\(line)\": \(reason)"
        case .unsupportedBaudCharacter(let z): return "the meter proposed baud character \"\(z)\", not a mode C rate"
        case .bccMismatch(let computed, let received):
            return "BCC mismatch: computed 0x\(String(computed, radix: 16)), received 0x\(String(received, radix: 16))"
        case .malformedDataMessage(let reason): return "malformed data message: \(reason)"
        case .malformedDataLine(let line, let reason): return "malformed data line \"\(line)\": \(reason)"
        case .messageTooLong(let limit): return "message longer than \(limit) bytes without its end"
        case .timeout(let phase): return "timed out waiting for the \(phase.rawValue)"
        case .invalidSessionState(let event): return "unexpected \(event) in this readout session state"
        case .busy: return "a readout is already running on this client"
        }
    }
}
