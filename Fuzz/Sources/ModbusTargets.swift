import Modbus

/// Modbus reply decoders (the client side): RTU with and without a request to answer, and TCP (MBAP).
enum ModbusTargets {
    /// Byte 0 picks the awaited request (none, or function 03 for 1...125 registers), byte 1 the chunk sizes; the
    /// rest is the received byte stream. Also decodes the rest as a bare PDU.
    @Sendable static func rtuReply(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let body = input[2...]
        let request: ModbusRequest? =
            input[0] == 0
            ? nil : .readHoldingRegisters(address: 0x4000, count: Int(input[0] % 125) + 1)
        var decoder = RTUResponseDecoder(answering: request)
        for chunk in chunks(body, sizes: input[1]) {
            decoder.append(chunk)
            while decoder.decode() != nil {}
        }
        _ = try? PDUCodec.decodeResponse(body)
    }

    /// Byte 0 picks the chunk sizes; the rest is the received byte stream. Decoding goes on after a frame whose
    /// PDU was refused (it is consumed) and stops at a broken header (nothing consumed: the client reconnects).
    @Sendable static func tcpReply(_ input: [UInt8]) {
        guard let sizes = input.first else { return }
        var decoder = TCPResponseDecoder()
        for chunk in chunks(input[1...], sizes: sizes) {
            decoder.append(chunk)
            while true {
                let before = decoder.unread.count
                do {
                    guard try decoder.decode() != nil else { break }
                } catch {
                    if decoder.unread.count == before { return }
                }
            }
        }
    }
}
