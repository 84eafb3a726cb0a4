/// Why a Modbus transaction did not give the answer asked for.
///
/// Three layers are kept apart: a device *answer* (`exception`: the transaction worked, the device refused),
/// *protocol* failures (no valid reply, echo, framing, mismatches, malformed frames), and *usage* errors
/// (`invalidRequest`, rejected before the bus is touched). Transport failures (a closed port, an errno) are not
/// wrapped: they stay `TransportError` from SerialIO.
package enum ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device answered with an exception response: a valid transaction, never a value.
    case exception(function: FunctionCode, code: ExceptionCode)
    /// No complete, valid reply from `unit` within the timeout. `bytesReceived` counts what did arrive
    /// (garbage, frames with a bad CRC, replies to other requests).
    case timeout(endpoint: String, unit: UnitID, function: FunctionCode, bytesReceived: Int)
    /// The bytes received begin with the request just sent: the RS-485 adapter echoes its own transmission.
    /// Set `expectEcho` for this line.
    case echoDetected(endpoint: String)
    /// The endpoint answers in another framing than configured: a TCP gateway in Modbus TCP mode configured
    /// as RTU over TCP, or the reverse.
    case framingMismatch(endpoint: String, configured: ModbusFraming, detected: ModbusFraming)
    /// Several replies in a row did not belong to the request (wrong transaction id, unit or function): the
    /// connection is out of step and should be reopened.
    case tooManyMismatches(endpoint: String, count: Int)
    /// A write was answered, but the response does not echo what was written.
    case writeNotConfirmed(request: ModbusRequest, response: ModbusResponse)
    /// A frame was delimited but its content breaks the protocol (Modbus TCP only: RTU resynchronises).
    case malformedFrame(reason: String)
    /// The request is not allowed (quantity limits, a read to the broadcast address); nothing was sent.
    case invalidRequest(reason: String)

    package var description: String {
        switch self {
        case .exception(let function, let code):
            return "the device refused function \(function): exception \(code)"
        case .timeout(let endpoint, let unit, let function, let bytes):
            let heard =
                bytes == 0 ? "nothing received" : "\(bytes) byte\(bytes == 1 ? "" : "s") received, no valid reply"
            return "\(endpoint): unit \(unit) did not answer \(function) in time (\(heard))"
        case .echoDetected(let endpoint):
            return "\(endpoint): the line echoes every request (an RS-485 adapter without echo suppression); "
                + "set expect_echo: true for this bus"
        case .framingMismatch(let endpoint, let configured, let detected):
            return "\(endpoint) answers in \(detected == .tcp ? "Modbus TCP (MBAP)" : "RTU (CRC)") framing but is "
                + "configured as \(configured.configurationName): set protocol: \(detected.configurationName)"
        case .tooManyMismatches(let endpoint, let count):
            return "\(endpoint): \(count) replies in a row did not match their request; reopening the connection"
        case .writeNotConfirmed(let request, let response):
            return "the device answered \(response) to \(request): write not confirmed"
        case .malformedFrame(let reason):
            return "malformed Modbus frame: \(reason)"
        case .invalidRequest(let reason):
            return "invalid Modbus request: \(reason)"
        }
    }
}
