import Foundation

extension RegisterDefinition {
    /// Encodes a value in the published unit into this row's registers: the inverse of `decodeModbus(_:)`.
    ///
    /// Used by the simulator to fill its register image and by command encoding: `decodeModbus(encodeModbus(v))`
    /// gives `v` back for every value the meter can hold (a float is first rounded to an IEEE-754 single).
    /// Layouts follow manual A3.2: Float ABCD high word first, Signed as two's complement, HEX digit strings four
    /// digits per register, BCD four digits per register, ASCII two characters (space padded), the tariff as its
    /// raw code (1, 2, or 11/12 when `volatileTariff`), the parity as its code (1 even, 2 none, 3 odd).
    ///
    /// - Parameters:
    ///   - value: the value in the published unit (`W`, not `kW`).
    ///   - volatileTariff: for the tariff row only, encode the "not saved" code (11 or 12).
    /// - Returns: exactly `modbus.count` registers, or `nil` when the row has no Modbus mapping or the value does
    ///   not fit the row (text in a float row, a number above 32767 in a signed row, a non-hex serial number).
    package func encodeModbus(_ value: MeterValue, volatileTariff: Bool = false) -> [UInt16]? {
        guard let mapping = modbus else { return nil }
        let registers: [UInt16]
        switch mapping.dataType {
        case .floatABCD:
            guard let number = value.scaled(by: 1 / mapping.scale).exactDecimal,
                let single = Float(number.description), single.isFinite
            else { return nil }
            registers = [UInt16(single.bitPattern >> 16), UInt16(single.bitPattern & 0xFFFF)]
        case .signed:
            guard let n = value.scaled(by: 1 / mapping.scale).wholeNumber, let s = Int16(exactly: n) else { return nil }
            registers = [UInt16(bitPattern: s)]
        case .hexString:
            guard case .text(let text) = value, text.count == mapping.count * 4 else { return nil }
            let digits = Array(text)
            var words: [UInt16] = []
            for offset in stride(from: 0, to: digits.count, by: 4) {
                guard let word = UInt16(String(digits[offset..<offset + 4]), radix: 16) else { return nil }
                words.append(word)
            }
            registers = words
        case .bcd:
            guard let n = value.wholeNumber, mapping.count == 1, let r = BCD.encodeRegister(n) else { return nil }
            registers = [r]
        case .ascii:
            guard case .text(let text) = value, text.count <= 2 * mapping.count, text.allSatisfy(\.isASCII) else {
                return nil
            }
            let bytes =
                Array(text.utf8) + Array(repeating: UInt8(ascii: " "), count: 2 * mapping.count - text.utf8.count)
            registers = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        case .tariff:
            guard let t = value.wholeNumber, t == 1 || t == 2 else { return nil }
            registers = [UInt16(volatileTariff ? 10 + t : t)]
        case .parity:
            guard case .text(let name) = value else { return nil }
            switch name {
            case "even": registers = [1]
            case "none": registers = [2]
            case "odd": registers = [3]
            default: return nil
            }
        }
        return registers
    }
}
