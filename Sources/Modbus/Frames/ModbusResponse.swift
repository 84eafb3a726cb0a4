/// A response PDU: a device's answer to a `ModbusRequest`, including the exception answer.
///
/// Source: Modbus Application Protocol V1.1b3, 6.3, 6.6, 6.12 and 7.
package enum ModbusResponse: Sendable, Equatable, Hashable {
    /// 03: the registers read, in address order.
    case readHoldingRegisters([UInt16])
    /// 06: the echo of the written address and value.
    case writeSingleRegister(address: UInt16, value: UInt16)
    /// 16: the echo of the start address and the quantity written.
    case writeMultipleRegisters(address: UInt16, count: Int)
    /// The device refused `function` with `code` (function byte | 0x80 on the wire).
    case exception(function: FunctionCode, code: ExceptionCode)

    /// The function code this response answers.
    package var functionCode: FunctionCode {
        switch self {
        case .readHoldingRegisters: return .readHoldingRegisters
        case .writeSingleRegister: return .writeSingleRegister
        case .writeMultipleRegisters: return .writeMultipleRegisters
        case .exception(let function, _): return function
        }
    }

    /// The response a conforming device gives when it executes `request`: what a client expects, what a
    /// server sends back.
    package static func success(for request: ModbusRequest, registers: [UInt16] = []) -> ModbusResponse {
        switch request {
        case .readHoldingRegisters: return .readHoldingRegisters(registers)
        case .writeSingleRegister(let address, let value): return .writeSingleRegister(address: address, value: value)
        case .writeMultipleRegisters(let address, let values):
            return .writeMultipleRegisters(address: address, count: values.count)
        }
    }
}
