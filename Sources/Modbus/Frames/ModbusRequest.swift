/// A request PDU: what a client asks of a device (function code and data, without address or checksum).
///
/// Source: Modbus Application Protocol V1.1b3, 6.3 (03), 6.6 (06), 6.12 (16).
package enum ModbusRequest: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// 03: read `count` (1...125) registers from `address`.
    case readHoldingRegisters(address: UInt16, count: Int)
    /// 06: write one register.
    case writeSingleRegister(address: UInt16, value: UInt16)
    /// 16: write `values` (1...123 registers) from `address`.
    case writeMultipleRegisters(address: UInt16, values: [UInt16])

    /// The function code of this request.
    package var functionCode: FunctionCode {
        switch self {
        case .readHoldingRegisters: return .readHoldingRegisters
        case .writeSingleRegister: return .writeSingleRegister
        case .writeMultipleRegisters: return .writeMultipleRegisters
        }
    }

    /// `03 read holding registers 0x5002 x2`.
    package var description: String {
        switch self {
        case .readHoldingRegisters(let address, let count):
            return "read \(count) register\(count == 1 ? "" : "s") at \(hex4(address))"
        case .writeSingleRegister(let address, let value):
            return "write \(hex4(value)) to \(hex4(address))"
        case .writeMultipleRegisters(let address, let values):
            return "write \(values.map(hex4).joined(separator: " ")) to \(hex4(address))"
        }
    }
}

/// `0x5002`: a register address or value in the manual's notation.
package func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
}
