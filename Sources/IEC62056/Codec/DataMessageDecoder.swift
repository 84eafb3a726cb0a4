import CodecSupport

/// Decodes the data message `STX Data block ! CR LF ETX BCC` from received bytes, one step at a time.
///
/// Single-step contract (NIO `SingleStepByteToMessageDecoder`): `append(_:)` what the transport delivered (lines
/// may be split anywhere), then `decode()` returns the message, or `nil` when more bytes are needed. Bytes before
/// STX are dropped (an echo of the acknowledgement, noise at the wrong speed). Bit 7 of every byte is cleared first
/// and the BCC is checked over 7-bit data (`SevenBit`). Only a message whose BCC matches is parsed and returned:
/// a wrong BCC rejects the whole readout, never a part of it (IEC 62056-21 clause 6.3.4).
package struct DataMessageDecoder: Sendable {
    /// The default limit on a data message; a full PRO380 readout is a few kilobytes.
    package static let defaultMaximumLength = 65_536

    private var buffer = ByteAccumulator()
    private let maximumLength: Int

    package init(maximumLength: Int = DataMessageDecoder.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    /// Adds received bytes.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.appendSevenBit(bytes)
    }

    /// Whether an STX has been received and its message is not complete yet.
    package var hasPartialMessage: Bool { buffer.unread.first == ControlCharacter.stx }

    /// The next data message, or `nil` when more bytes are needed.
    /// - Throws: `IEC62056Error.bccMismatch` (the message is consumed and discarded), `.malformedDataMessage` (no
    ///   `!` CR LF before ETX, a second STX before ETX), `.malformedDataLine`, `.messageTooLong`.
    package mutating func decode() throws -> DataMessage? {
        let readable = buffer.unread
        guard let stx = readable.firstIndex(of: ControlCharacter.stx) else {
            buffer.removeAll()
            return nil
        }
        buffer.consume(upTo: stx)
        let body = buffer.unread.dropFirst()
        guard let etx = body.firstIndex(of: ControlCharacter.etx) else {
            if let second = body.firstIndex(of: ControlCharacter.stx) {
                buffer.consume(upTo: second)
                throw IEC62056Error.malformedDataMessage(reason: "a second STX before ETX")
            }
            if buffer.unread.count > maximumLength {
                buffer.removeAll()
                throw IEC62056Error.messageTooLong(limit: maximumLength)
            }
            return nil
        }
        if let second = body[..<etx].firstIndex(of: ControlCharacter.stx) {
            buffer.consume(upTo: second)
            throw IEC62056Error.malformedDataMessage(reason: "a second STX before ETX")
        }
        let bccIndex = etx + 1
        guard bccIndex < buffer.unread.endIndex else { return nil }
        let received = buffer.unread[bccIndex]
        let computed = BCC.compute(body[...etx])
        let block = Array(body[..<etx])
        buffer.consume(upTo: bccIndex + 1)
        guard computed == received else {
            throw IEC62056Error.bccMismatch(computed: computed, received: received)
        }
        let trailer: [UInt8] = [ControlCharacter.end, ControlCharacter.cr, ControlCharacter.lf]
        guard block.count >= 3, Array(block.suffix(3)) == trailer else {
            throw IEC62056Error.malformedDataMessage(reason: "the data block does not end with ! CR LF")
        }
        return DataMessage(dataSets: try DataBlockParser.parse(block.dropLast(3)))
    }
}
