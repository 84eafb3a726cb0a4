package import SerialIO

/// Why an M-Bus exchange failed, by layer: the link-layer codec, the application-layer codec, the device's answer,
/// and the transport underneath.
///
/// A record with an invalid value (a BCD digit A to E) is not an error: the telegram decodes and that record's
/// value is `.invalid` (see `MBusValue`).
package enum MBusError: Error, Sendable, Equatable, CustomStringConvertible {
    // Link layer (EN 13757-2).
    /// The frame's checksum byte differs from the byte sum of its C field to its last data byte.
    case checksumMismatch(computed: UInt8, received: UInt8)
    /// The two L bytes of a long frame differ.
    case lengthMismatch(first: UInt8, second: UInt8)
    /// The L byte of a long frame is below 3 (C, A and CI are mandatory).
    case invalidLength(UInt8)
    /// The fourth byte of a long frame is not the second start byte `68`.
    case invalidFrameStart(found: UInt8)
    /// The frame does not end with `16`.
    case missingStopByte(found: UInt8)

    // Application layer (EN 13757-3).
    /// The telegram ended inside a header or a data record.
    case truncatedTelegram(offset: Int, needed: Int, reason: String)
    /// A CI field this codec does not decode as variable data.
    case unsupportedControlInformation(UInt8)
    /// A data record is malformed in a way that hides where the next one starts (a DIFE or VIFE chain over 10,
    /// a data field coding of 8, a variable-length LVAR out of range).
    case malformedDataRecord(offset: Int, reason: String)
    /// A value or field cannot be encoded (does not fit the data field, digits not decimal, ...).
    case unencodable(reason: String)

    // Device answers and protocol state.
    /// The meter's manufacturer code is not the expected one (the manual prints `25 CD`; INM is `CD 25` on the
    /// wire, and the checksum cannot catch a swapped pair).
    case manufacturerMismatch(expected: String, received: String)
    /// No frame came back from the address after every retry.
    case noReply(address: String, attempts: Int)
    /// Only garbled bytes came back after every retry (a collision or line noise); never returned as data.
    case garbledReply(address: String, attempts: Int, lastError: String)
    /// A well-formed frame that is not the answer the request calls for (a RSP_UD where E5 was due, another
    /// address, another CI).
    case unexpectedReply(address: String, reason: String)
    /// A multi-telegram readout did not advance: the access number stayed the same although the FCB toggled.
    case telegramsNotAdvancing(address: String, accessNumber: UInt8, attempts: Int)
    /// A multi-telegram readout went on past the configured number of telegrams.
    case tooManyTelegrams(address: String, limit: Int)
    /// A primary address outside 0 ... 250, 253, 254, or a malformed secondary address.
    case invalidAddress(String)
    /// A baud rate the M-Bus baud-rate CI codes (B8 ... BD) cannot express.
    case unsupportedBaudRate(Int)
    /// A transaction was started while another one ran on the same client (its owner must serialise them).
    case busy

    /// The transport failed (closed, system call error); timeouts are reported as `noReply`.
    case transport(TransportError)

    package var description: String {
        switch self {
        case .checksumMismatch(let computed, let received):
            return "M-Bus checksum mismatch: computed \(hex(computed)), received \(hex(received))"
        case .lengthMismatch(let first, let second):
            return "M-Bus long frame length bytes differ: \(hex(first)) and \(hex(second))"
        case .invalidLength(let length): return "M-Bus long frame length \(length) is below 3"
        case .invalidFrameStart(let found): return "M-Bus long frame: second start byte is \(hex(found)), not 68"
        case .missingStopByte(let found): return "M-Bus frame ends with \(hex(found)), not the stop byte 16"
        case .truncatedTelegram(let offset, let needed, let reason):
            return "M-Bus telegram truncated at byte \(offset): \(needed) more bytes needed for \(reason)"
        case .unsupportedControlInformation(let ci): return "M-Bus CI field \(hex(ci)) is not variable data"
        case .malformedDataRecord(let offset, let reason): return "M-Bus data record at byte \(offset): \(reason)"
        case .unencodable(let reason): return "cannot encode M-Bus data: \(reason)"
        case .manufacturerMismatch(let expected, let received):
            return "M-Bus manufacturer is \(received), expected \(expected)"
        case .noReply(let address, let attempts): return "no M-Bus reply from \(address) after \(attempts) attempts"
        case .garbledReply(let address, let attempts, let lastError):
            return "only garbled M-Bus replies from \(address) after \(attempts) attempts (collision?): \(lastError)"
        case .unexpectedReply(let address, let reason): return "unexpected M-Bus reply from \(address): \(reason)"
        case .telegramsNotAdvancing(let address, let accessNumber, let attempts):
            return "M-Bus readout of \(address) stuck at access number \(accessNumber) after \(attempts) attempts"
        case .tooManyTelegrams(let address, let limit):
            return "M-Bus readout of \(address) exceeded \(limit) telegrams"
        case .invalidAddress(let address): return "invalid M-Bus address \(address)"
        case .unsupportedBaudRate(let baud): return "M-Bus baud rate \(baud) is not one of 300 ... 9600"
        case .busy: return "an M-Bus transaction is already running on this client"
        case .transport(let error): return error.description
        }
    }
}
