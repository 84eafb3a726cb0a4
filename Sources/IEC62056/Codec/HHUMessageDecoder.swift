import CodecSupport

/// A message a meter receives from the HHU (hand-held unit: the bridge, an optical head) in a mode C readout.
package enum HHUMessage: Sendable, Equatable, Hashable {
    /// `/?address!` CR LF: sign on.
    case request(RequestMessage)
    /// `ACK V Z Y` CR LF: the chosen speed and mode.
    case optionSelect(OptionSelectMessage)
}

/// Decodes the HHU's messages on the meter side, one step at a time: for the simulator and for test peers.
///
/// Single-step contract as `IdentificationDecoder`. Bytes that do not start a request or an acknowledgement are
/// dropped; bit 7 is cleared first (`SevenBit`).
package struct HHUMessageDecoder: Sendable {
    private var buffer = ByteAccumulator()

    package init() {}

    /// Adds received bytes.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.appendSevenBit(bytes)
    }

    /// The next request or option select message, or `nil` when more bytes are needed.
    /// - Throws: `IEC62056Error.messageTooLong` when a line grows past 64 bytes without CR LF.
    package mutating func decode() throws -> HHUMessage? {
        while true {
            let readable = buffer.unread
            guard let found = readable.firstIndex(where: { $0 == ControlCharacter.start || $0 == ControlCharacter.ack })
            else {
                buffer.removeAll()
                return nil
            }
            buffer.consume(upTo: found)
            // Consuming may compact the buffer and move the bytes: take the start position anew.
            let start = buffer.unread.startIndex
            guard let lineEnd = buffer.indexOfLineEnd(from: start) else {
                if buffer.unread.count > 64 {
                    buffer.removeAll()
                    throw IEC62056Error.messageTooLong(limit: 64)
                }
                return nil
            }
            let line = Array(buffer.unread.prefix(lineEnd - start))
            buffer.consume(upTo: lineEnd + 2)
            if let request = RequestMessage(line: line) { return .request(request) }
            if let select = OptionSelectMessage(line: line) { return .optionSelect(select) }
        }
    }
}
