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
    /// How many bytes after the STX at the front of `buffer` are known to hold neither ETX nor another STX.
    private var searchedBodyLength = 0

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
            searchedBodyLength = 0
            return nil
        }
        if stx != readable.startIndex { searchedBodyLength = 0 }
        buffer.consume(upTo: stx)
        let body = buffer.unread.dropFirst()
        // Only the bytes received since the last call are searched: a readout arriving in many small reads costs
        // one pass, not one pass per read.
        let unsearched = body.dropFirst(searchedBodyLength)
        guard
            let end = unsearched.firstIndex(where: { $0 == ControlCharacter.etx || $0 == ControlCharacter.stx })
        else {
            searchedBodyLength = body.count
            if buffer.unread.count > maximumLength {
                buffer.removeAll()
                searchedBodyLength = 0
                throw IEC62056Error.messageTooLong(limit: maximumLength)
            }
            return nil
        }
        searchedBodyLength = end - body.startIndex
        if body[end] == ControlCharacter.stx {
            buffer.consume(upTo: end)
            searchedBodyLength = 0
            throw IEC62056Error.malformedDataMessage(reason: "a second STX before ETX")
        }
        let etx = end
        let bccIndex = etx + 1
        guard bccIndex < buffer.unread.endIndex else { return nil }
        let received = buffer.unread[bccIndex]
        let computed = BCC.compute(body[...etx])
        let block = Array(body[..<etx])
        buffer.consume(upTo: bccIndex + 1)
        searchedBodyLength = 0
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
