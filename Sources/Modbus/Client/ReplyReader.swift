/// Finds the reply to one request in the bytes that arrive after it: a pure value fed with received chunks,
/// used by `ModbusClient` for each transaction (house-style rule 7: state that returns decisions, no I/O).
///
/// It skips an echo of the request (or reports it), skips stray bytes and bad frames, drops valid frames that
/// belong to another request (wrong unit, stale transaction id, other function or quantity) and counts them, and
/// recognises an endpoint answering in the other TCP framing.
package struct ReplyReader: Sendable {
    private enum Decoder: Sendable {
        case rtu(RTUResponseDecoder)
        case tcp(TCPResponseDecoder)
    }

    /// The framing configured.
    package let framing: ModbusFraming
    /// The unit asked.
    package let unit: UnitID
    /// The request sent.
    package let request: ModbusRequest
    /// The transaction id sent (TCP framing only).
    package let transactionID: UInt16?
    /// The exact bytes sent, to recognise an echo.
    package let sent: [UInt8]
    /// Whether the line echoes requests (skip them) or must not (report them).
    package let expectEcho: Bool
    /// The endpoint, for errors.
    package let endpoint: String

    private var decoder: Decoder
    private var echoChecked = false
    private var raw: [UInt8] = []
    private var brokenHeader: ModbusError?

    /// Valid frames dropped because they answer something else.
    package private(set) var mismatches = 0
    /// Echoes recognised.
    package private(set) var echoes = 0
    /// Bytes received so far.
    package var bytesReceived: Int { raw.count }
    /// Bytes skipped while resynchronising (RTU).
    package var strayBytes: Int { if case .rtu(let d) = decoder { return d.skippedBytes } else { return 0 } }
    /// Candidate frames with a bad CRC (RTU).
    package var crcErrors: Int { if case .rtu(let d) = decoder { return d.crcFailures } else { return 0 } }

    package init(
        framing: ModbusFraming,
        unit: UnitID,
        request: ModbusRequest,
        transactionID: UInt16?,
        sent: [UInt8],
        expectEcho: Bool,
        endpoint: String
    ) {
        self.framing = framing
        self.unit = unit
        self.request = request
        self.transactionID = transactionID
        self.sent = sent
        self.expectEcho = expectEcho
        self.endpoint = endpoint
        self.decoder = framing == .tcp ? .tcp(TCPResponseDecoder()) : .rtu(RTUResponseDecoder(answering: request))
    }

    /// Adds received bytes and returns the reply once it is complete, `nil` while more bytes are needed.
    /// - Throws: `ModbusError.echoDetected` (an echo without `expectEcho`), `.framingMismatch` (the endpoint
    ///   answers in the other TCP framing), `.malformedFrame` (a Modbus TCP frame that breaks the protocol).
    package mutating func receive(_ bytes: [UInt8]) throws(ModbusError) -> ModbusResponse? {
        raw.append(contentsOf: bytes)
        if brokenHeader != nil { return try checkForRTUReply() }
        switch decoder {
        case .rtu(var d):
            d.append(bytes)
            defer { decoder = .rtu(d) }
            guard try handleEcho(d.unread, discard: { d.discard($0) }) else { return nil }
            while let adu = d.decode() {
                if let response = accept(adu) { return response }
            }
            if framing == .rtuOverTCP { try checkForMBAPReply(raw[...]) }
            return nil
        case .tcp(var d):
            d.append(bytes)
            defer { decoder = .tcp(d) }
            guard try handleEcho(d.unread, discard: { d.discard($0) }) else { return nil }
            while true {
                let adu: ModbusADU<ModbusResponse>?
                let before = d.unread.count
                do {
                    adu = try d.decode()
                } catch {
                    guard d.unread.count == before else {
                        // A delimited frame with a malformed PDU: not an answer to this request.
                        mismatches += 1
                        continue
                    }
                    brokenHeader = error
                    return try checkForRTUReply()
                }
                guard let adu else { return nil }
                if let response = accept(adu) { return response }
            }
        }
    }

    /// The error to report when the deadline passes: a broken Modbus TCP stream is reported as such.
    package var failureAtDeadline: ModbusError? { brokenHeader }

    /// Returns `true` when decoding may proceed; skips or reports an echo of `sent` at the start of the reply.
    /// A 06 echo is byte for byte the normal reply, so without `expectEcho` it is taken as the reply.
    private mutating func handleEcho(_ unread: ArraySlice<UInt8>, discard: (Int) -> Void) throws(ModbusError) -> Bool {
        guard !echoChecked else { return true }
        let n = min(unread.count, sent.count)
        guard unread.prefix(n).elementsEqual(sent.prefix(n)) else {
            echoChecked = true
            return true
        }
        guard n == sent.count else { return false }
        echoChecked = true
        if expectEcho {
            echoes += 1
            discard(sent.count)
            return true
        }
        if case .writeSingleRegister = request { return true }
        echoes += 1
        throw .echoDetected(endpoint: endpoint)
    }

    /// The response if `adu` answers the request; otherwise counts a mismatch and returns `nil`.
    private mutating func accept(_ adu: ModbusADU<ModbusResponse>) -> ModbusResponse? {
        let matches =
            adu.unit == unit && adu.transactionID == transactionID && adu.message.functionCode == request.functionCode
            && Self.quantityMatches(adu.message, request)
        guard matches else {
            mismatches += 1
            return nil
        }
        return adu.message
    }

    private static func quantityMatches(_ response: ModbusResponse, _ request: ModbusRequest) -> Bool {
        if case .readHoldingRegisters(let values) = response, case .readHoldingRegisters(_, let count) = request {
            return values.count == count
        }
        return true
    }

    /// Configured RTU over TCP, but the reply starts with an MBAP header from our unit with our function.
    private func checkForMBAPReply(_ unread: ArraySlice<UInt8>) throws(ModbusError) {
        guard unread.count >= TCPFraming.headerSize + 1 else { return }
        let s = unread.startIndex
        let length = Int(unread[s + 4]) << 8 | Int(unread[s + 5])
        if unread[s + 2] == 0, unread[s + 3] == 0, (2...254).contains(length), unread[s + 6] == unit,
            unread[s + 7] & 0x7F == request.functionCode.rawValue
        {
            throw .framingMismatch(endpoint: endpoint, configured: framing, detected: .tcp)
        }
    }

    /// Configured Modbus TCP, the MBAP header is broken: if the bytes hold an RTU reply, say so.
    private func checkForRTUReply() throws(ModbusError) -> ModbusResponse? {
        var rtu = RTUResponseDecoder(answering: request)
        rtu.append(raw)
        if let adu = rtu.decode(), adu.unit == unit {
            throw .framingMismatch(endpoint: endpoint, configured: framing, detected: .rtuOverTCP)
        }
        return nil
    }
}
