/// What a listener hears on a Modbus RTU line that another master polls: the decoded and paired traffic.
///
/// Every case comes from frames whose CRC checked. Functions 03, 06 and 16 (the PRO380's, manual A3.2) are decoded
/// with the PDU codec; frames of the other public data-access functions (01, 02, 04, 05, 15) are delimited, checked
/// and paired too, so they never break the framing, but only their function code is reported.
/// Source: Modbus over Serial Line V1.02, 2.5.1 (RTU framing), Modbus Application Protocol V1.1b3, 6 and 7.
package enum RTUObservation: Sendable, Equatable, CustomStringConvertible {
    /// A request and the reply that followed it: same unit, same function (or its exception), and a reply that fits
    /// the request (03: `2 * count` data bytes; 06: the echo; 16: the same address and quantity).
    case exchange(unit: UnitID, request: ModbusRequest, response: ModbusResponse)
    /// A request that no reply followed before the next request: a unit that did not answer, or a broadcast
    /// (unit 0), which never gets a reply.
    case unanswered(unit: UnitID, request: ModbusRequest)
    /// A reply with no request before it: listening began between request and reply, or the request was corrupt.
    case unpairedResponse(unit: UnitID, response: ModbusResponse)
    /// A CRC-valid frame this listener does not decode: another function (01, 02, 04, 05, 15, or their
    /// exceptions), or a request whose content breaks the limits (a read of 0 or 126 registers).
    case otherFunction(unit: UnitID, functionByte: UInt8)

    /// The unit the traffic was addressed to.
    package var unit: UnitID {
        switch self {
        case .exchange(let unit, _, _), .unanswered(let unit, _), .unpairedResponse(let unit, _),
            .otherFunction(let unit, _):
            return unit
        }
    }

    /// `unit 1: read 2 registers at 0x5002 -> 2 registers`.
    package var description: String {
        switch self {
        case .exchange(let unit, let request, let response):
            return "unit \(unit): \(request) -> \(Self.describe(response))"
        case .unanswered(let unit, let request): return "unit \(unit): \(request) -> no reply"
        case .unpairedResponse(let unit, let response): return "unit \(unit): unrequested \(Self.describe(response))"
        case .otherFunction(let unit, let function):
            return "unit \(unit): function 0x\(String(function, radix: 16, uppercase: true))"
        }
    }

    private static func describe(_ response: ModbusResponse) -> String {
        switch response {
        case .readHoldingRegisters(let values): return "\(values.count) registers"
        case .writeSingleRegister, .writeMultipleRegisters: return "write confirmed"
        case .exception(_, let code): return "exception \(code)"
        }
    }
}

/// The counters of an `RTUListenDecoder`: they only grow.
package struct RTUListenCounters: Sendable, Equatable {
    /// CRC-valid frames delimited (requests and replies).
    package var frames = 0
    /// Requests paired with their reply.
    package var exchanges = 0
    /// Requests no reply followed (broadcasts included).
    package var unanswered = 0
    /// Replies with no request before them.
    package var unpairedResponses = 0
    /// Frames where one was due (after a silence or right after another frame) whose length was known and whose
    /// CRC did not match, with no valid frame starting inside them (a stray byte before a frame is not a CRC error).
    /// Bytes skipped while resynchronising are counted in `skippedBytes`, not here.
    package var crcErrors = 0
    /// Bytes dropped while resynchronising: line noise, corrupt or truncated frames, unknown functions.
    package var skippedBytes = 0

    package init() {}
}
