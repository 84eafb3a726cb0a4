import Modbus
import TestSupport

extension RTUResponseDecoder: SingleStepDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

extension RTURequestDecoder: SingleStepDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

extension TCPResponseDecoder: SingleStepDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

extension TCPRequestDecoder: SingleStepDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

/// `"01 03 04 43 66"` as bytes.
func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter(\.isHexDigit)
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return result
}
