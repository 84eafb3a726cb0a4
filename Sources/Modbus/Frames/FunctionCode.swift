/// A Modbus slave address on a serial line, or the unit identifier of a TCP request.
///
/// 1...247 address one device; 0 is the broadcast address (writes only, no device replies).
/// Source: Modbus over Serial Line V1.02, 2.2; manual A3.1 ("addresses 1 to 247, 0 broadcast").
package typealias UnitID = UInt8

extension UnitID {
    /// The broadcast address: every device executes the write and none replies.
    package static let broadcast: UInt8 = 0
}

/// The Modbus function codes the PRO380 implements (manual A3.2): 03 to read, 06 and 16 to write.
///
/// Source: Modbus Application Protocol V1.1b3, 6.3, 6.6, 6.12.
package enum FunctionCode: UInt8, Sendable, Equatable, Hashable, CaseIterable, CustomStringConvertible {
    /// 0x03 Read Holding Registers.
    case readHoldingRegisters = 0x03
    /// 0x06 Write Single Register.
    case writeSingleRegister = 0x06
    /// 0x10 Write Multiple Registers.
    case writeMultipleRegisters = 0x10

    /// The byte a device sends instead of the function code when it answers with an exception (code | 0x80).
    package var exceptionByte: UInt8 { rawValue | 0x80 }

    package var description: String {
        switch self {
        case .readHoldingRegisters: return "03 read holding registers"
        case .writeSingleRegister: return "06 write single register"
        case .writeMultipleRegisters: return "16 write multiple registers"
        }
    }
}

/// The quantity limits of the Modbus application protocol (V1.1b3, 6.3 and 6.12).
package enum ModbusLimits {
    /// Registers one function 03 request may ask for: 1...125.
    package static let readRegisters: ClosedRange<Int> = 1...125
    /// Registers one function 16 request may write: 1...123.
    package static let writeRegisters: ClosedRange<Int> = 1...123
    /// The largest PDU: 253 bytes (a 256-byte RTU ADU minus address and CRC).
    package static let maxPDUSize = 253
}
