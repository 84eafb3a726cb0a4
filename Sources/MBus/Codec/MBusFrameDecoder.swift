/// Decodes link-layer frames from a byte stream (EN 13757-2, 5.2), one frame per call.
///
/// Follows the single-step decoder contract: `decode()` returns `nil` when the buffered bytes do not yet hold a
/// whole frame, and consumes only the bytes of the frame it returns. Bytes that cannot start a frame (anything
/// but `E5`, `10`, `68`) are skipped and counted in `skippedByteCount`, so a caller can tell line noise from
/// silence. A malformed frame (bad checksum, the two L bytes differing, L below 3, a missing second `68` or stop
/// byte) throws, after consuming only its start byte: the next call resynchronises on the next possible start.
package struct MBusFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    /// How many bytes were skipped because they could not start a frame.
    package private(set) var skippedByteCount = 0

    package init() {}

    /// The bytes received and not yet consumed.
    package var bufferedByteCount: Int { buffer.count - start }

    /// Adds received bytes to the end of the buffer.
    package mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Decodes the next frame.
    /// - Returns: the frame, or `nil` when more bytes are needed.
    /// - Throws: `MBusError.checksumMismatch`, `.lengthMismatch`, `.invalidLength`, `.missingStopByte`,
    ///   `.invalidFrameStart`; the start byte of the broken frame is consumed.
    package mutating func decode() throws -> MBusFrame? {
        while start < buffer.count, ![0xE5, 0x10, 0x68].contains(buffer[start]) {
            start += 1
            skippedByteCount += 1
        }
        guard start < buffer.count else { return nil }
        switch buffer[start] {
        case 0xE5:
            start += 1
            return .ack
        case 0x10:
            return try decodeShort()
        default:
            return try decodeLong()
        }
    }

    private func byte(_ offset: Int) -> UInt8 { buffer[start + offset] }

    private mutating func decodeShort() throws -> MBusFrame? {
        guard bufferedByteCount >= 5 else { return nil }
        let control = byte(1)
        let address = byte(2)
        let checksum = byte(3)
        let stop = byte(4)
        guard stop == 0x16 else {
            start += 1
            throw MBusError.missingStopByte(found: stop)
        }
        let computed = MBusChecksum.compute([control, address])
        guard computed == checksum else {
            start += 1
            throw MBusError.checksumMismatch(computed: computed, received: checksum)
        }
        start += 5
        return .short(control: ControlField(rawValue: control), address: address)
    }

    private mutating func decodeLong() throws -> MBusFrame? {
        guard bufferedByteCount >= 4 else { return nil }
        let length = byte(1)
        let repeated = byte(2)
        guard length == repeated else {
            start += 1
            throw MBusError.lengthMismatch(first: length, second: repeated)
        }
        guard length >= 3 else {
            start += 1
            throw MBusError.invalidLength(length)
        }
        guard byte(3) == 0x68 else {
            let found = byte(3)
            start += 1
            throw MBusError.invalidFrameStart(found: found)
        }
        let total = Int(length) + 6
        guard bufferedByteCount >= total else { return nil }
        let body = buffer[(start + 4)..<(start + 4 + Int(length))]
        let checksum = byte(total - 2)
        let stop = byte(total - 1)
        guard stop == 0x16 else {
            start += 1
            throw MBusError.missingStopByte(found: stop)
        }
        let computed = MBusChecksum.compute(body)
        guard computed == checksum else {
            start += 1
            throw MBusError.checksumMismatch(computed: computed, received: checksum)
        }
        let fields = Array(body)
        start += total
        return .long(
            control: ControlField(rawValue: fields[0]),
            address: fields[1],
            ci: fields[2],
            data: Array(fields[3...])
        )
    }
}
