/// The bytes a decoder holds between reads: appended at the end, consumed from the front, compacted once more
/// than half of the storage is consumed (the way NIO's `ByteToMessageDecoder` processor compacts).
package struct ByteAccumulator: Sendable, Equatable {
    private var storage: [UInt8] = []
    private var readIndex = 0

    package init() {}

    /// The bytes received and not yet consumed.
    package var unread: ArraySlice<UInt8> { storage[readIndex...] }

    /// Adds received bytes at the end.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage.append(contentsOf: bytes)
    }

    /// Drops `count` bytes from the front.
    package mutating func consume(_ count: Int) {
        readIndex = min(readIndex + count, storage.count)
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > storage.count / 2 {
            storage.removeFirst(readIndex)
            readIndex = 0
        }
    }

    /// Drops everything.
    package mutating func removeAll() { consume(storage.count - readIndex) }
}
