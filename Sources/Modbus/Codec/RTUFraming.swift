import CodecSupport

/// The RTU envelope: `unit | PDU | CRC lo | CRC hi` (Modbus over Serial Line V1.02, 2.5.1), used on serial
/// lines and, unchanged, for RTU over TCP.
package enum RTUFraming {
    /// The complete ADU for `pdu` sent to or from `unit`.
    package static func encode(unit: UnitID, pdu: [UInt8]) -> [UInt8] {
        CRC16.appending(to: [unit] + pdu)
    }

    /// A request ADU, as a client sends it: `01 03 50 02 00 02 65 0B`.
    package static func encode(unit: UnitID, request: ModbusRequest) -> [UInt8] {
        encode(unit: unit, pdu: PDUCodec.encode(request))
    }

    /// A response ADU, as a server sends it.
    package static func encode(unit: UnitID, response: ModbusResponse) -> [UInt8] {
        encode(unit: unit, pdu: PDUCodec.encode(response))
    }
}

/// The single-step scan shared by both RTU decoders: find where a frame can start, wait for its length, check its
/// CRC, and drop one byte to resynchronise when no frame can start here or the CRC fails.
struct RTUScanner: Sendable, Equatable {
    var accumulator = ByteAccumulator()
    /// Bytes dropped while resynchronising: line noise, echoes, frames with a bad CRC, frames for other requests.
    var skippedBytes = 0
    /// Candidate frames whose CRC did not match.
    var crcFailures = 0

    /// The next CRC-valid frame (`unit | PDU | CRC`) whose PDU `parse` accepts, or `nil` when more bytes are needed.
    mutating func next<Message>(
        length: (ArraySlice<UInt8>) -> PDULength,
        parse: (ArraySlice<UInt8>) -> Message?
    ) -> (unit: UnitID, message: Message)? {
        while true {
            let unread = accumulator.unread
            guard unread.count >= 2 else { return nil }
            switch length(unread.dropFirst()) {
            case .needMore:
                return nil
            case .invalid:
                skip()
            case .bytes(let pduLength):
                let total = 1 + pduLength + 2
                guard unread.count >= total else { return nil }
                let frame = unread.prefix(total)
                guard CRC16.isValid(frame) else {
                    crcFailures += 1
                    skip()
                    continue
                }
                guard let message = parse(frame.dropFirst().dropLast(2)) else {
                    skip()
                    continue
                }
                accumulator.consume(total)
                return (frame[frame.startIndex], message)
            }
        }
    }

    private mutating func skip() {
        accumulator.consume(1)
        skippedBytes += 1
    }
}
