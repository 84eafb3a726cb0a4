/// PDU lengths as a listener sees them: requests and replies of every public data-access function, so traffic for
/// other devices on a shared line is delimited too. Source: Modbus Application Protocol V1.1b3, 6.1 to 6.12
/// (01, 02, 03, 04, 05, 06, 15, 16) and 7 (exception responses); RTU has no length field (Modbus over Serial
/// Line V1.02, 2.5.1.1).
extension PDULength {
    /// The function codes a listener can delimit.
    static let observedFunctions: Set<UInt8> = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0F, 0x10]

    /// The length of a request PDU starting at `prefix`: 5 bytes for 01 to 06; for 15 and 16 six bytes plus the
    /// byte count, which must fit the quantity (`ceil(qty / 8)` coils, `2 * qty` registers).
    static func observedRequest(_ prefix: ArraySlice<UInt8>) -> PDULength {
        guard let function = prefix.first else { return .needMore }
        switch function {
        case 0x01...0x06:
            return .bytes(5)
        case 0x0F, 0x10:
            guard prefix.count >= 6 else { return .needMore }
            let s = prefix.startIndex
            let quantity = Int(prefix[s + 3]) << 8 | Int(prefix[s + 4])
            let byteCount = Int(prefix[s + 5])
            let expected = function == 0x0F ? (quantity + 7) / 8 : 2 * quantity
            guard quantity > 0, byteCount > 0, byteCount == expected else { return .invalid }
            return .bytes(6 + byteCount)
        default:
            return .invalid
        }
    }

    /// The length of a reply PDU starting at `prefix`. With `request` (the PDU of the request awaiting its reply),
    /// only a reply to it can start here: its function or that function's exception, and for 01 to 04 exactly the
    /// byte count the request's quantity asks for.
    static func observedResponse(_ prefix: ArraySlice<UInt8>, answering request: ArraySlice<UInt8>? = nil) -> PDULength
    {
        guard let first = prefix.first else { return .needMore }
        let function = first & 0x7F
        guard observedFunctions.contains(function) else { return .invalid }
        if let request, request.first != function { return .invalid }
        if first & 0x80 != 0 { return .bytes(2) }
        switch function {
        case 0x01...0x04:
            guard prefix.count >= 2 else { return .needMore }
            let byteCount = Int(prefix[prefix.startIndex + 1])
            guard byteCount > 0, function <= 0x02 || byteCount % 2 == 0 else { return .invalid }
            if let request, request.count >= 5 {
                let quantity = Int(request[request.startIndex + 3]) << 8 | Int(request[request.startIndex + 4])
                guard byteCount == (function <= 0x02 ? (quantity + 7) / 8 : 2 * quantity) else { return .invalid }
            }
            return .bytes(2 + byteCount)
        default:
            return .bytes(5)
        }
    }
}
