import CodecSupport

/// The Modbus TCP envelope: a 7-byte MBAP header and the PDU, no CRC.
///
/// `transaction id (2) | protocol id 0x0000 (2) | length (2) = 1 + PDU bytes | unit (1) | PDU`, big-endian.
/// Source: Modbus Messaging on TCP/IP Implementation Guide V1.0b, 3.1.3.
package enum TCPFraming {
    /// Size of the MBAP header.
    package static let headerSize = 7

    /// The complete ADU for `pdu`.
    package static func encode(transactionID: UInt16, unit: UnitID, pdu: [UInt8]) -> [UInt8] {
        PDUCodec.be(transactionID) + [0, 0] + PDUCodec.be(UInt16(1 + pdu.count)) + [unit] + pdu
    }

    /// A request ADU, as a client sends it.
    package static func encode(transactionID: UInt16, unit: UnitID, request: ModbusRequest) -> [UInt8] {
        encode(transactionID: transactionID, unit: unit, pdu: PDUCodec.encode(request))
    }

    /// A response ADU, as a server sends it (echoing the request's transaction id and unit).
    package static func encode(transactionID: UInt16, unit: UnitID, response: ModbusResponse) -> [UInt8] {
        encode(transactionID: transactionID, unit: unit, pdu: PDUCodec.encode(response))
    }

    /// Splits the next ADU off `unread`: `nil` when more bytes are needed.
    /// - Throws: `ModbusError.malformedFrame` when the protocol id is not 0 or the length is outside 2...254; the
    ///   stream cannot be resynchronised then, and nothing is consumed.
    static func split(
        _ unread: ArraySlice<UInt8>
    ) throws(ModbusError) -> (transactionID: UInt16, unit: UnitID, pdu: ArraySlice<UInt8>)? {
        guard unread.count >= headerSize else { return nil }
        let header = PDUCodec.registers(unread.prefix(6))
        guard header[1] == 0 else {
            throw .malformedFrame(reason: "MBAP protocol identifier \(hex4(header[1])), not 0x0000 (Modbus)")
        }
        let length = Int(header[2])
        guard (2...ModbusLimits.maxPDUSize + 1).contains(length) else {
            throw .malformedFrame(reason: "MBAP length \(length) outside 2...\(ModbusLimits.maxPDUSize + 1)")
        }
        guard unread.count >= 6 + length else { return nil }
        let start = unread.startIndex
        return (header[0], unread[start + 6], unread[(start + headerSize)..<(start + 6 + length)])
    }
}

/// Decodes Modbus TCP responses from a byte stream, as a client: NIO's single-step contract.
///
/// The MBAP length delimits each frame, so a frame whose PDU is malformed is consumed and reported, and the next
/// one decodes normally.
package struct TCPResponseDecoder: Sendable, Equatable {
    private var accumulator = ByteAccumulator()

    package init() {}

    /// The bytes received and not yet decoded.
    package var unread: ArraySlice<UInt8> { accumulator.unread }

    /// Adds received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 { accumulator.append(bytes) }

    /// Drops `count` unread bytes (a recognised echo).
    package mutating func discard(_ count: Int) { accumulator.consume(count) }

    /// The next complete response, or `nil` when more bytes are needed.
    /// - Throws: `ModbusError.malformedFrame` for a broken header (nothing consumed; reopen the connection) or a
    ///   PDU that breaks the protocol (that frame consumed).
    package mutating func decode() throws(ModbusError) -> ModbusADU<ModbusResponse>? {
        guard let frame = try TCPFraming.split(accumulator.unread) else { return nil }
        accumulator.consume(TCPFraming.headerSize + frame.pdu.count)
        let message = try PDUCodec.decodeResponse(frame.pdu)
        return ModbusADU(unit: frame.unit, transactionID: frame.transactionID, message: message)
    }
}

/// Decodes Modbus TCP requests from a byte stream, as a server: same contract as `TCPResponseDecoder`; a request
/// it cannot execute comes back as `.refused` with the exception to answer.
package struct TCPRequestDecoder: Sendable, Equatable {
    private var accumulator = ByteAccumulator()

    package init() {}

    /// Adds received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 { accumulator.append(bytes) }

    /// The next complete request, or `nil` when more bytes are needed.
    /// - Throws: `ModbusError.malformedFrame` for a broken MBAP header; close the connection then.
    package mutating func decode() throws(ModbusError) -> ModbusADU<ModbusServerRequest>? {
        guard let frame = try TCPFraming.split(accumulator.unread) else { return nil }
        accumulator.consume(TCPFraming.headerSize + frame.pdu.count)
        return ModbusADU(
            unit: frame.unit,
            transactionID: frame.transactionID,
            message: PDUCodec.decodeRequest(frame.pdu)
        )
    }
}
