extension DecimalNumber {
    /// The most decimals a published number keeps (the bridge always rounded to 12 places).
    package static let publishedDecimals = 12

    /// Appends `description` as UTF-8 (the published JSON number).
    package func write(to bytes: inout [UInt8]) {
        var digits = significand
        var exponent = exponent
        if exponent < -Self.publishedDecimals {
            (digits, exponent) = Self.rounded(digits, dropping: -Self.publishedDecimals - exponent)
        }
        if digits == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if isNegative { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        Self.appendDigits(digits, to: &bytes)
        let integerDigits = bytes.count - start + exponent
        if exponent >= 0 {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent))
        } else if integerDigits > 0 {
            bytes.insert(UInt8(ascii: "."), at: start + integerDigits)
        } else {
            bytes.insert(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")], at: start)
            bytes.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: -integerDigits), at: start + 2)
        }
    }

    /// `digits × 10^-(12 + count)` rounded half away from zero (as `NSDecimalRound` `.plain`) to 12 decimals:
    /// the normalized significand and exponent of the result.
    private static func rounded(_ digits: UInt128, dropping count: Int) -> (UInt128, Int) {
        // 2^128 < 5 × 10^38: with 39 or more digits dropped, the rest is below half a unit.
        guard count < 39 else { return (0, -publishedDecimals) }
        var power: UInt128 = 1
        for _ in 0..<count { power *= 10 }
        let (quotient, remainder) = digits.quotientAndRemainder(dividingBy: power)
        let up = remainder >= power - remainder
        let result = DecimalNumber(
            isNegative: false,
            significand: up ? quotient + 1 : quotient,
            exponent: -publishedDecimals
        )
        return (result.significand, result.exponent)
    }

    /// Appends the decimal digits of `n` (n > 0), most significant first.
    private static func appendDigits(_ n: UInt128, to bytes: inout [UInt8]) {
        let start = bytes.count
        if let small = UInt64(exactly: n) {
            var value = small
            while value > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            }
        } else {
            var value = n
            while value > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            }
        }
        bytes[start...].reverse()
    }

    /// Reads plain or exponent notation (`-12.50`, `1e-45`, `1.2345679e+08`), as `Decimal.description` and
    /// `Float.description` write it; `nil` for anything else or more digits than 128 bits hold.
    init?(decimalText text: String) {
        var negative = false
        var digits: UInt128 = 0
        var exponent = 0
        var sawDigit = false
        var utf8 = text.utf8[...]
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        var afterPoint = false
        // Zeros are counted, not multiplied in, until a digit follows: `1e+41` is written with 41 of them.
        var pendingZeros = 0
        while let byte = utf8.first {
            if byte == UInt8(ascii: ".") {
                afterPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                sawDigit = true
                if afterPoint { exponent -= 1 }
                if byte == UInt8(ascii: "0") {
                    pendingZeros += 1
                } else {
                    for _ in 0...pendingZeros {
                        let (times10, overflow) = digits.multipliedReportingOverflow(by: 10)
                        guard !overflow else { return nil }
                        digits = times10
                    }
                    let (sum, overflow) = digits.addingReportingOverflow(UInt128(byte - UInt8(ascii: "0")))
                    guard !overflow else { return nil }
                    digits = sum
                    pendingZeros = 0
                }
            } else {
                break
            }
            utf8 = utf8.dropFirst()
        }
        exponent += pendingZeros
        if let e = utf8.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            var powerIsNegative = false
            if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                powerIsNegative = sign == UInt8(ascii: "-")
                utf8 = utf8.dropFirst()
            }
            var power = 0
            guard !utf8.isEmpty, utf8.count < 6 else { return nil }
            for byte in utf8 {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                power = power * 10 + Int(byte - UInt8(ascii: "0"))
            }
            exponent += powerIsNegative ? -power : power
            utf8 = utf8[utf8.endIndex...]
        }
        guard sawDigit, utf8.isEmpty else { return nil }
        self.init(isNegative: negative, significand: digits, exponent: exponent)
    }
}
