import Foundation

/// Why registers did not decode into a value.
package enum RegisterDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reply carried a different number of registers than the row needs.
    case wrongLength(key: String, expected: Int, got: Int)
    /// A float was NaN or infinite.
    case notFinite(key: String, registers: [UInt16])
    /// A BCD register held a nibble above 9.
    case invalidBCD(key: String, registers: [UInt16])
    /// A code register held a value the manual does not define (tariff 3, parity 7).
    case unknownCode(key: String, code: Int)
    /// The decoded value lies outside physical plausibility (a word-swapped float gives 10^8 V).
    case implausible(key: String, value: String, registers: [UInt16])

    package var description: String {
        func hex(_ r: [UInt16]) -> String { r.map { String(format: "%04X", $0) }.joined(separator: " ") }
        switch self {
        case .wrongLength(let key, let e, let g): return "\(key): expected \(e) registers, got \(g)"
        case .notFinite(let key, let r): return "\(key): registers [\(hex(r))] are not a finite float"
        case .invalidBCD(let key, let r): return "\(key): registers [\(hex(r))] are not BCD"
        case .unknownCode(let key, let c): return "\(key): code \(c) is not defined by the manual"
        case .implausible(let key, let v, let r):
            return "\(key): decoded value \(v) is implausible (raw registers [\(hex(r))]); refused"
        }
    }
}

extension RegisterDefinition {
    /// Decodes this row's registers into its published value and unit (manual A3.2 data types, scaled kW to W).
    ///
    /// - Parameter registers: exactly `modbus.count` registers, as read with function 03.
    /// - Returns: the value in the published unit.
    /// - Throws: `RegisterDecodingError` when the registers do not decode or the value is implausible; a value
    ///   that throws is never published.
    package func decodeModbus(_ registers: [UInt16]) throws -> MeterValue {
        guard let mapping = modbus else {
            throw RegisterDecodingError.wrongLength(key: key, expected: 0, got: registers.count)
        }
        guard registers.count == mapping.count else {
            throw RegisterDecodingError.wrongLength(key: key, expected: mapping.count, got: registers.count)
        }
        let value: MeterValue
        switch mapping.dataType {
        case .floatABCD:
            let bits = UInt32(registers[0]) << 16 | UInt32(registers[1])
            guard let v = MeterValue(single: Float(bitPattern: bits)) else {
                throw RegisterDecodingError.notFinite(key: key, registers: registers)
            }
            value = v.scaled(by: mapping.exactScale)
        case .signed:
            value = MeterValue.integer(Int(Int16(bitPattern: registers[0]))).scaled(by: mapping.exactScale)
        case .hexString:
            value = .text(registers.map { String(format: "%04X", $0) }.joined())
        case .bcd:
            guard let n = BCD.decode(registers) else {
                throw RegisterDecodingError.invalidBCD(key: key, registers: registers)
            }
            value = .integer(n)
        case .ascii:
            let bytes = registers.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }.filter { $0 != 0 }
            value = .text(String(decoding: bytes, as: Unicode.ASCII.self).trimmingCharacters(in: .whitespaces))
        case .tariff:
            switch Int16(bitPattern: registers[0]) {
            case 1, 11: value = .integer(1)
            case 2, 12: value = .integer(2)
            case let code: throw RegisterDecodingError.unknownCode(key: key, code: Int(code))
            }
        case .parity:
            switch registers[0] {
            case 1: value = .text("even")
            case 2: value = .text("none")
            case 3: value = .text("odd")
            case let code: throw RegisterDecodingError.unknownCode(key: key, code: Int(code))
            }
        }
        if let range = quantity.plausibleRange, let d = value.doubleValue, !range.contains(d) {
            throw RegisterDecodingError.implausible(key: key, value: value.description, registers: registers)
        }
        return value
    }

    /// Whether the tariff register's raw code means "not saved to EEPROM" (11 or 12).
    package static func tariffIsVolatile(_ rawCode: UInt16) -> Bool { rawCode == 11 || rawCode == 12 }
}

/// Binary-coded decimal over 16-bit registers, four digits per register, most significant first.
package enum BCD {
    /// The number the registers hold, or `nil` if a nibble is above 9.
    package static func decode(_ registers: [UInt16]) -> Int? {
        var n = 0
        for register in registers {
            for shift in stride(from: 12, through: 0, by: -4) {
                let digit = Int((register >> UInt16(shift)) & 0xF)
                guard digit <= 9 else { return nil }
                n = n * 10 + digit
            }
        }
        return n
    }

    /// `value` (0 to 9999) as one BCD register: 25 becomes 0x0025.
    package static func encodeRegister(_ value: Int) -> UInt16? {
        guard (0...9999).contains(value) else { return nil }
        var v = value
        var out: UInt16 = 0
        for shift in stride(from: 0, through: 12, by: 4) {
            out |= UInt16(v % 10) << UInt16(shift)
            v /= 10
        }
        return out
    }
}
