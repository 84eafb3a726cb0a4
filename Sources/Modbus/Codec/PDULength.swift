/// How long an RTU PDU is, read from its first bytes: RTU has no length field, so the length follows from the
/// function code and, for 03 responses and 16 requests, the byte count (Modbus over Serial Line V1.02, 2.5.1.1).
package enum PDULength: Sendable, Equatable {
    /// More bytes are needed to tell.
    case needMore
    /// The PDU is this many bytes.
    case bytes(Int)
    /// No frame can start here: unknown function or impossible byte count.
    case invalid

    /// The length of a response PDU starting at `prefix`. With `request` set, only the answer to that request
    /// (its function, or its exception; for 03 exactly `2 * count` data bytes) can start a frame, which keeps
    /// resynchronisation from waiting on a stray byte that happens to look like a long frame.
    package static func response(_ prefix: ArraySlice<UInt8>, answering request: ModbusRequest? = nil) -> PDULength {
        guard let first = prefix.first else { return .needMore }
        if let request, first & 0x7F != request.functionCode.rawValue { return .invalid }
        if first & 0x80 != 0 { return FunctionCode(rawValue: first & 0x7F) == nil ? .invalid : .bytes(2) }
        switch FunctionCode(rawValue: first) {
        case .readHoldingRegisters:
            guard prefix.count >= 2 else { return .needMore }
            let byteCount = Int(prefix[prefix.startIndex + 1])
            if case .readHoldingRegisters(_, let count) = request, byteCount != count * 2 { return .invalid }
            guard byteCount > 0, byteCount % 2 == 0, byteCount <= 250 else { return .invalid }
            return .bytes(2 + byteCount)
        case .writeSingleRegister, .writeMultipleRegisters:
            return .bytes(5)
        case nil:
            return .invalid
        }
    }

    /// The length of a request PDU starting at `prefix`, as a server sees it. Functions 01 to 06 have a
    /// 5-byte PDU and 15/16 a byte count at offset 5, so a server can answer 01 illegal function to requests it
    /// does not implement; anything else cannot start a frame.
    package static func request(_ prefix: ArraySlice<UInt8>) -> PDULength {
        guard let first = prefix.first else { return .needMore }
        switch first {
        case 0x01...0x06:
            return .bytes(5)
        case 0x0F, 0x10:
            guard prefix.count >= 6 else { return .needMore }
            return .bytes(6 + Int(prefix[prefix.startIndex + 5]))
        default:
            return .invalid
        }
    }
}
