/// The Modbus PDU codec: function code and data, both directions, shared by the RTU and TCP envelopes.
///
/// A client encodes requests and decodes responses; a server (the simulator) decodes requests and encodes
/// responses. Registers are big-endian on the wire. Source: Modbus Application Protocol V1.1b3, 4.1, 6.3 (03),
/// 6.6 (06), 6.12 (16), 7 (exceptions).
package enum PDUCodec {
    /// Request PDU bytes. `03 | addr hi lo | qty hi lo`, `06 | addr | value`,
    /// `10 | addr | qty | byte count | values`. Limits are checked by `validate(_:)`, not here.
    package static func encode(_ request: ModbusRequest) -> [UInt8] {
        switch request {
        case .readHoldingRegisters(let address, let count):
            return [FunctionCode.readHoldingRegisters.rawValue] + be(address) + be(UInt16(truncatingIfNeeded: count))
        case .writeSingleRegister(let address, let value):
            return [FunctionCode.writeSingleRegister.rawValue] + be(address) + be(value)
        case .writeMultipleRegisters(let address, let values):
            return [FunctionCode.writeMultipleRegisters.rawValue] + be(address)
                + be(UInt16(truncatingIfNeeded: values.count)) + [UInt8(truncatingIfNeeded: values.count * 2)]
                + values.flatMap(be)
        }
    }

    /// Response PDU bytes. `03 | byte count | values`, `06 | addr | value`, `10 | addr | qty`,
    /// `function | 0x80, code` for an exception.
    package static func encode(_ response: ModbusResponse) -> [UInt8] {
        switch response {
        case .readHoldingRegisters(let values):
            return [FunctionCode.readHoldingRegisters.rawValue, UInt8(truncatingIfNeeded: values.count * 2)]
                + values.flatMap(be)
        case .writeSingleRegister(let address, let value):
            return [FunctionCode.writeSingleRegister.rawValue] + be(address) + be(value)
        case .writeMultipleRegisters(let address, let count):
            return [FunctionCode.writeMultipleRegisters.rawValue] + be(address) + be(UInt16(truncatingIfNeeded: count))
        case .exception(let function, let code):
            return exception(functionByte: function.rawValue, code: code)
        }
    }

    /// An exception PDU for any function byte, including ones this codec does not implement (a server answers
    /// 01 illegal function to those).
    package static func exception(functionByte: UInt8, code: ExceptionCode) -> [UInt8] {
        [functionByte | 0x80, code.rawValue]
    }

    /// Checks the protocol limits of a request: 1...125 registers to read, 1...123 to write, and that the
    /// range stays inside the 16-bit address space.
    /// - Throws: `ModbusError.invalidRequest`.
    package static func validate(_ request: ModbusRequest) throws(ModbusError) {
        let (address, count, limits): (UInt16, Int, ClosedRange<Int>)
        switch request {
        case .readHoldingRegisters(let a, let c): (address, count, limits) = (a, c, ModbusLimits.readRegisters)
        case .writeSingleRegister: return
        case .writeMultipleRegisters(let a, let v): (address, count, limits) = (a, v.count, ModbusLimits.writeRegisters)
        }
        guard limits.contains(count) else {
            throw .invalidRequest(
                reason: "\(count) registers; \(request.functionCode) allows \(limits.lowerBound)...\(limits.upperBound)"
            )
        }
        guard Int(address) + count <= 0x10000 else {
            throw .invalidRequest(reason: "\(hex4(address)) + \(count) registers passes the end of the address space")
        }
    }

    /// Decodes a response PDU of exactly known length (the envelope delimited it).
    /// - Throws: `ModbusError.malformedFrame` when the byte count disagrees with the length, the byte count is odd,
    ///   or the function code is not one this client sends.
    package static func decodeResponse(_ pdu: ArraySlice<UInt8>) throws(ModbusError) -> ModbusResponse {
        guard let first = pdu.first else { throw .malformedFrame(reason: "empty PDU") }
        let body = pdu.dropFirst()
        if first & 0x80 != 0, let function = FunctionCode(rawValue: first & 0x7F) {
            guard body.count == 1 else { throw .malformedFrame(reason: "exception PDU of \(pdu.count) bytes") }
            return .exception(function: function, code: ExceptionCode(rawValue: body[body.startIndex]))
        }
        switch FunctionCode(rawValue: first) {
        case .readHoldingRegisters:
            guard let byteCount = body.first.map(Int.init), byteCount % 2 == 0, byteCount > 0,
                body.count == 1 + byteCount
            else {
                throw .malformedFrame(
                    reason:
                        "03 response: byte count \(body.first.map(String.init) ?? "missing") for \(pdu.count)-byte PDU"
                )
            }
            return .readHoldingRegisters(registers(body.dropFirst()))
        case .writeSingleRegister:
            guard body.count == 4 else { throw .malformedFrame(reason: "06 response of \(pdu.count) bytes") }
            let words = registers(body)
            return .writeSingleRegister(address: words[0], value: words[1])
        case .writeMultipleRegisters:
            guard body.count == 4 else { throw .malformedFrame(reason: "16 response of \(pdu.count) bytes") }
            let words = registers(body)
            return .writeMultipleRegisters(address: words[0], count: Int(words[1]))
        case nil:
            throw .malformedFrame(reason: "function code 0x\(String(first, radix: 16)) in a response")
        }
    }

    /// Decodes a request PDU of exactly known length, as a server. Never throws: a request it cannot execute
    /// becomes `.refused` with the exception to answer (01 unknown function, 03 quantity or byte count).
    package static func decodeRequest(_ pdu: ArraySlice<UInt8>) -> ModbusServerRequest {
        guard let first = pdu.first else { return .refused(functionByte: 0, code: .illegalFunction) }
        let body = pdu.dropFirst()
        guard let function = FunctionCode(rawValue: first) else {
            return .refused(functionByte: first, code: .illegalFunction)
        }
        let refusal = ModbusServerRequest.refused(functionByte: first, code: .illegalDataValue)
        switch function {
        case .readHoldingRegisters:
            guard body.count == 4 else { return refusal }
            let words = registers(body)
            guard ModbusLimits.readRegisters.contains(Int(words[1])) else { return refusal }
            return .request(.readHoldingRegisters(address: words[0], count: Int(words[1])))
        case .writeSingleRegister:
            guard body.count == 4 else { return refusal }
            let words = registers(body)
            return .request(.writeSingleRegister(address: words[0], value: words[1]))
        case .writeMultipleRegisters:
            guard body.count >= 5 else { return refusal }
            let words = registers(body.prefix(4))
            let quantity = Int(words[1])
            let byteCount = Int(body[body.startIndex + 4])
            guard ModbusLimits.writeRegisters.contains(quantity), byteCount == quantity * 2, body.count == 5 + byteCount
            else {
                return refusal
            }
            return .request(.writeMultipleRegisters(address: words[0], values: registers(body.dropFirst(5))))
        }
    }

    /// Big-endian words from an even number of bytes.
    package static func registers(_ bytes: ArraySlice<UInt8>) -> [UInt16] {
        stride(from: bytes.startIndex, to: bytes.endIndex - 1, by: 2).map {
            UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
        }
    }

    static func be(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
}
