import CodecSupport

/// Decodes the identification message from received bytes, one step at a time.
///
/// Single-step contract (NIO `SingleStepByteToMessageDecoder`): `append(_:)` what the transport delivered, then
/// `decode()` returns the message, or `nil` when more bytes are needed. Bytes before the start character `/` are
/// dropped (line noise, a wake-up sequence); an echo of our own request (`/?...!` CR LF, sent back by some
/// half-duplex optical heads) is skipped. Bit 7 of every byte is cleared first (`SevenBit`).
package struct IdentificationDecoder: Sendable {
    /// The longest identification line accepted: `/XXXZ`, a few `\W` pairs and a generous identification.
    package static let maximumLength = 128

    private var buffer = ByteAccumulator()

    package init() {}

    /// Adds received bytes.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.appendSevenBit(bytes)
    }

    /// The next identification message, or `nil` when more bytes are needed.
    /// - Throws: `IEC62056Error.malformedIdentification` for a line that is not one (the line is consumed), or
    ///   `.messageTooLong` when no CR LF follows the start character within `maximumLength` bytes.
    package mutating func decode() throws -> IdentificationMessage? {
        while true {
            let readable = buffer.unread
            guard let found = readable.firstIndex(of: ControlCharacter.start) else {
                buffer.removeAll()
                return nil
            }
            buffer.consume(upTo: found)
            // Consuming may compact the buffer and move the bytes: take the start position anew.
            let start = buffer.unread.startIndex
            guard let lineEnd = buffer.indexOfLineEnd(from: start) else {
                if buffer.unread.count > Self.maximumLength {
                    buffer.removeAll()
                    throw IEC62056Error.messageTooLong(limit: Self.maximumLength)
                }
                return nil
            }
            let line = Array(buffer.unread.prefix(lineEnd - start))
            buffer.consume(upTo: lineEnd + 2)
            if RequestMessage(line: line) != nil { continue }
            return try IdentificationMessage(line: line)
        }
    }
}
