/// CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), initial value 0xFFFF, no final XOR.
///
/// On the wire the low byte goes first. Check value: `CRC16.checksum("123456789") == 0x4B37`.
/// Source: Modbus over Serial Line V1.02, 2.5.1.2 and appendix B.
package enum CRC16 {
    private static let table: [UInt16] = (0..<256).map { byte -> UInt16 in
        var crc = UInt16(byte)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1
        }
        return crc
    }

    /// The CRC of `bytes`.
    package static func checksum<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc = (crc >> 8) ^ table[Int((crc ^ UInt16(byte)) & 0xFF)]
        }
        return crc
    }

    /// `bytes` followed by their CRC, low byte first: a complete RTU frame from unit and PDU.
    package static func appending(to bytes: [UInt8]) -> [UInt8] {
        let crc = checksum(bytes)
        return bytes + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
    }

    /// Whether the last two bytes of `frame` are the CRC of the bytes before them.
    package static func isValid(_ frame: ArraySlice<UInt8>) -> Bool {
        guard frame.count >= 3 else { return false }
        let body = frame.dropLast(2)
        let crc = checksum(body)
        return frame[frame.endIndex - 2] == UInt8(crc & 0xFF) && frame[frame.endIndex - 1] == UInt8(crc >> 8)
    }
}
