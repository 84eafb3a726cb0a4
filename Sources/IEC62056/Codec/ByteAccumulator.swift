/// The receive buffer of the decoders: 7-bit bytes appended by the owner, consumed from the front.
///
/// Compacts once more than half of the storage has been consumed, as NIO's `ByteToMessageDecoder` does.
struct ByteAccumulator: Sendable {
    private var storage: [UInt8] = []
    private var readIndex = 0

    /// Appends received bytes with bit 7 cleared (`SevenBit`).
    mutating func append(_ bytes: some Sequence<UInt8>) {
        storage.append(contentsOf: bytes.lazy.map { $0 & 0x7F })
    }

    /// The bytes not yet consumed; indices are positions in the storage.
    var readable: ArraySlice<UInt8> { storage[readIndex...] }

    /// Whether unconsumed bytes remain.
    var isEmpty: Bool { readIndex == storage.count }

    /// Consumes everything before storage index `index`.
    mutating func consume(upTo index: Int) {
        readIndex = index
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > storage.count / 2 {
            storage.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Consumes all bytes.
    mutating func consumeAll() { consume(upTo: storage.count) }

    /// The index of the first CR LF pair at or after `start`, or `nil`.
    func indexOfLineEnd(from start: Int) -> Int? {
        var i = start
        while i + 1 < storage.count {
            if storage[i] == ControlCharacter.cr && storage[i + 1] == ControlCharacter.lf { return i }
            i += 1
        }
        return nil
    }
}
