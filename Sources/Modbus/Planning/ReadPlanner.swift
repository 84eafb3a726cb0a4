/// Coalesces register spans into as few function-03 requests as the limits allow.
///
/// Contiguous (or overlapping) spans merge into one block while the block stays within `maxRegisters`; a gap is
/// never bridged (reading unlisted registers can draw exception 02), a span is never split, and a block never
/// continues across an address in `breaks` (a boundary learnt from the meter). A span longer than
/// `maxRegisters` gets a block of its own.
package struct ReadPlanner: Sendable, Equatable {
    /// The largest block, at most 125 (Modbus Application Protocol V1.1b3, 6.3).
    package var maxRegisters: Int

    package init(maxRegisters: Int = ModbusLimits.readRegisters.upperBound) {
        self.maxRegisters = min(max(maxRegisters, 1), ModbusLimits.readRegisters.upperBound)
    }

    /// The blocks for `spans` (any order, duplicates ignored), in address order.
    package func plan<S: Sequence>(_ spans: S, breaks: Set<UInt16> = []) -> [ReadBlock]
    where S.Element == RegisterSpan {
        var blocks: [ReadBlock] = []
        for span in Set(spans).sorted() {
            if var last = blocks.last, span.address <= last.end, !breaks.contains(span.address),
                max(last.end, span.end) - Int(last.address) <= maxRegisters
            {
                last.count = max(last.end, span.end) - Int(last.address)
                last.spans.append(span)
                blocks[blocks.count - 1] = last
            } else {
                blocks.append(ReadBlock(address: span.address, count: span.count, spans: [span]))
            }
        }
        return blocks
    }
}

extension ReadBlock {
    /// One past the last register.
    package var end: Int { Int(address) + count }
}
