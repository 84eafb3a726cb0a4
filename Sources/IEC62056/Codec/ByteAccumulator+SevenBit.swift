import CodecSupport

/// The IEC 62056-21 side of the decoders' shared input buffer: 7-bit characters and CR LF-terminated lines.
extension ByteAccumulator {
    /// Appends received bytes with bit 7 cleared (`SevenBit`).
    mutating func appendSevenBit(_ bytes: some Sequence<UInt8>) {
        append(bytes.lazy.map { $0 & 0x7F })
    }

    /// The storage position of the first CR LF pair at or after position `start`, or `nil`.
    func indexOfLineEnd(from start: Int) -> Int? {
        let bytes = unread
        var i = max(start, bytes.startIndex)
        while i + 1 < bytes.endIndex {
            if bytes[i] == ControlCharacter.cr && bytes[i + 1] == ControlCharacter.lf { return i }
            i += 1
        }
        return nil
    }
}
