/// Binary-coded decimal as M-Bus uses it (EN 13757-3, Annex A, type A): two digits per byte, least significant
/// byte first; an `F` in the most significant digit marks a negative value (`87 11 00 F0` is -1187).
package enum BCD {
    /// The value of `bytes` (least significant byte first), or `nil` when a digit other than the sign is A to F.
    package static func decode<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
        var value: Int64 = 0
        var negative = false
        for (index, byte) in bytes.reversed().enumerated() {
            var high = Int64(byte >> 4)
            let low = Int64(byte & 0x0F)
            if index == 0, high == 0xF {
                negative = true
                high = 0
            }
            guard high <= 9, low <= 9 else { return nil }
            value = value * 100 + high * 10 + low
        }
        return negative ? -value : value
    }

    /// `value` as `byteCount` BCD bytes, least significant first; a negative value puts `F` in the top digit.
    /// - Throws: `MBusError.unencodable` when the value needs more digits than fit.
    package static func encode(_ value: Int64, byteCount: Int) throws -> [UInt8] {
        let digitCount = byteCount * 2 - (value < 0 ? 1 : 0)
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        for _ in 0..<digitCount {
            digits.append(UInt8(magnitude % 10))
            magnitude /= 10
        }
        guard magnitude == 0 else {
            throw MBusError.unencodable(reason: "\(value) does not fit \(byteCount * 2) BCD digits")
        }
        if value < 0 { digits.append(0xF) }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] | digits[$0 + 1] << 4 }
    }
}
