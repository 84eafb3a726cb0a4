/// Registers that must be read in one request: one value of the register table (a two-register float is never
/// split across requests, or its halves could come from two different moments).
package struct RegisterSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first register.
    package var address: UInt16
    /// The number of registers, at least 1.
    package var count: Int

    package init(address: UInt16, count: Int) {
        precondition(count >= 1, "a register span holds at least one register")
        self.address = address
        self.count = count
    }

    /// One past the last register (an `Int`, as it may be 0x10000).
    package var end: Int { Int(address) + count }

    package static func < (lhs: RegisterSpan, rhs: RegisterSpan) -> Bool {
        (lhs.address, lhs.count) < (rhs.address, rhs.count)
    }

    /// `0x5002+2`.
    package var description: String { "\(hex4(address))+\(count)" }
}

/// One function-03 request of a read plan: a contiguous register range covering whole spans.
package struct ReadBlock: Sendable, Hashable, CustomStringConvertible {
    /// The first register.
    package var address: UInt16
    /// The number of registers to request.
    package var count: Int
    /// The spans the block covers, in address order.
    package var spans: [RegisterSpan]

    package init(address: UInt16, count: Int, spans: [RegisterSpan]) {
        self.address = address
        self.count = count
        self.spans = spans
    }

    /// The request that reads this block.
    package var request: ModbusRequest { .readHoldingRegisters(address: address, count: count) }

    /// The registers of `span` within `registers`, the block's read result; `nil` when the span is not in the
    /// block or the result is too short.
    package func registers(of span: RegisterSpan, in registers: [UInt16]) -> ArraySlice<UInt16>? {
        let offset = Int(span.address) - Int(address)
        guard offset >= 0, offset + span.count <= min(count, registers.count) else { return nil }
        return registers[offset..<(offset + span.count)]
    }

    /// `0x5002..0x5031 (48 registers, 24 spans)`.
    package var description: String {
        "\(hex4(address))..\(hex4(UInt16(truncatingIfNeeded: Int(address) + count - 1))) (\(count) registers, \(spans.count) spans)"
    }
}
