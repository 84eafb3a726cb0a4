package import Foundation

/// One value as the bridge publishes it: an exact decimal, an integer or a text.
///
/// Why decimals: a PRO380 sends IEEE-754 singles over Modbus and BCD over M-Bus. Publishing a single as a double
/// prints `49.97999954223633`; the contract (`docs/vocabulary.md`) is the shortest decimal that reads back to the
/// same single (`49.98`), and unit scaling (kW to W) happens on that decimal so `1.0125` kW is exactly `1012.5` W.
package enum MeterValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// An exact decimal number (JSON number).
    case decimal(DecimalNumber)
    /// An integer (JSON integer).
    case integer(Int)
    /// A text such as a serial number or a current direction (JSON string).
    case text(String)

    /// An exact decimal from a `Decimal` (parsers, M-Bus and OBIS scaling, commands); a NaN becomes the text `NaN`.
    package static func decimal(_ decimal: Decimal) -> MeterValue {
        DecimalNumber(decimal).map { .decimal($0) } ?? .text(decimal.description)
    }

    /// The shortest decimal that reads back to `single`, or `nil` for NaN and infinities.
    package init?(single: Float) {
        guard let number = DecimalNumber(single: single) else { return nil }
        self = .decimal(number)
    }

    /// The value as a double, for plausibility checks and comparisons; `nil` for text.
    package var doubleValue: Double? {
        switch self {
        case .decimal(let d): return d.doubleValue
        case .integer(let i): return Double(i)
        case .text: return nil
        }
    }

    /// The value multiplied by `factor` (exact for decimals); text is returned unchanged.
    package func scaled(by factor: Decimal) -> MeterValue {
        guard let number = DecimalNumber(factor) else { return self }
        return scaled(by: number)
    }

    /// The value multiplied by `factor`, exact (a power of ten moves the exponent only); text is returned unchanged.
    package func scaled(by factor: DecimalNumber) -> MeterValue {
        switch self {
        case .decimal(let d):
            return d.multiplied(by: factor).map { .decimal($0) } ?? .decimal(d.decimal * factor.decimal)
        case .integer(let i):
            guard factor != DecimalNumber(1) else { return self }
            return MeterValue.decimal(DecimalNumber(i)).scaled(by: factor)
        case .text: return self
        }
    }

    /// The value as a JSON fragment: `231.25`, `2`, `"13070042"`.
    package var jsonFragment: String {
        switch self {
        case .decimal(let d): return d.description
        case .integer(let i): return String(i)
        case .text(let s): return JSONText.quote(s)
        }
    }

    /// Appends `jsonFragment` as UTF-8.
    package func writeJSON(to bytes: inout [UInt8]) {
        switch self {
        case .decimal(let d): d.write(to: &bytes)
        case .integer(let i): bytes.append(contentsOf: String(i).utf8)
        case .text(let s): JSONText.write(s, to: &bytes)
        }
    }

    package var description: String {
        switch self {
        case .text(let s): return s
        default: return jsonFragment
        }
    }
}

/// JSON string quoting, shared by every payload the bridge writes by hand.
package enum JSONText {
    /// `s` as a JSON string literal with quotes, backslashes and control characters escaped (RFC 8259 section 7).
    package static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Appends `quote(s)` as UTF-8; text with nothing to escape is copied as is.
    package static func write(_ s: String, to bytes: inout [UInt8]) {
        let utf8 = s.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
        } else {
            bytes.append(contentsOf: quote(s).utf8)
        }
    }
}

extension MeterValue {
    /// The value as an exact decimal; `nil` for text.
    package var exactDecimal: Decimal? {
        switch self {
        case .decimal(let d): return d.decimal
        case .integer(let i): return Decimal(i)
        case .text: return nil
        }
    }

    /// The value as a whole number when it is one (`2`, `2.0`); `nil` for fractions and text.
    package var wholeNumber: Int? {
        switch self {
        case .integer(let i): return i
        case .decimal(let d):
            guard d.exponent >= 0, d.exponent < 12, d.significand < 1_000_000_000_000 else { return nil }
            var magnitude = Int(d.significand)
            for _ in 0..<d.exponent {
                magnitude *= 10
                guard magnitude < 1_000_000_000_000 else { return nil }
            }
            return d.isNegative ? -magnitude : magnitude
        case .text: return nil
        }
    }
}
