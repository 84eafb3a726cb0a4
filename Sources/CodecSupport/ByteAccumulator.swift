/// The shared input buffer of the pure single-step decoders (Modbus RTU/TCP, IEC 62056-21): bytes appended at the
/// end as they are read, consumed from the front as frames are decoded.
///
/// Compacts once more than half of the storage has been consumed (the way NIO's `ByteToMessageDecoder` processor
/// compacts), so a long-running decoder neither grows without bound nor copies on every frame.
package struct ByteAccumulator: Sendable, Equatable {
    private var storage: [UInt8] = []
    private var readIndex = 0

    package init() {}

    /// The bytes received and not yet consumed; its indices are positions in the storage, valid until the next
    /// `consume`.
    package var unread: ArraySlice<UInt8> { storage[readIndex...] }

    /// Whether every received byte has been consumed.
    package var isEmpty: Bool { readIndex == storage.count }

    /// Adds received bytes at the end.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    /// Drops `count` bytes from the front (at most all unread bytes).
    package mutating func consume(_ count: Int) {
        consume(upTo: min(readIndex + count, storage.count))
    }

    /// Drops every byte before the storage position `index` (an index of `unread`, or its `endIndex`).
    package mutating func consume(upTo index: Int) {
        readIndex = index
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > storage.count / 2 {
            storage.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Drops everything.
    package mutating func removeAll() { consume(upTo: storage.count) }
}
