package import Foundation

/// One value as the bridge publishes it: an exact decimal, an integer or a text.
///
/// Why decimals: a PRO380 sends IEEE-754 singles over Modbus and BCD over M-Bus. Publishing a single as a double
/// prints `49.97999954223633`; the contract (`docs/vocabulary.md`) is the shortest decimal that reads back to the
/// same single (`49.98`), and unit scaling (kW to W) happens on that decimal so `1.0125` kW is exactly `1012.5` W.
package enum MeterValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// An exact decimal number (JSON number).
    case decimal(Decimal)
    /// An integer (JSON integer).
    case integer(Int)
    /// A text such as a serial number or a current direction (JSON string).
    case text(String)

    /// The shortest decimal that reads back to `single`, or `nil` for NaN and infinities.
    package init?(single: Float) {
        guard single.isFinite else { return nil }
        // Swift prints the shortest representation that round-trips (Float.description, "Errol"/"SwiftDtoa").
        guard let decimal = Decimal(string: single.description, locale: Locale(identifier: "en_US_POSIX")) else {
            return nil
        }
        self = .decimal(decimal)
    }

    /// The value as a double, for plausibility checks and comparisons; `nil` for text.
    package var doubleValue: Double? {
        switch self {
        case .decimal(let d): return NSDecimalNumber(decimal: d).doubleValue
        case .integer(let i): return Double(i)
        case .text: return nil
        }
    }

    /// The value multiplied by `factor` (exact for decimals); text is returned unchanged.
    package func scaled(by factor: Decimal) -> MeterValue {
        switch self {
        case .decimal(let d): return .decimal(d * factor)
        case .integer(let i): return factor == 1 ? .integer(i) : .decimal(Decimal(i) * factor)
        case .text: return self
        }
    }

    /// The value as a JSON fragment: `231.25`, `2`, `"13070042"`.
    package var jsonFragment: String {
        switch self {
        case .decimal(let d): return MeterValue.render(d)
        case .integer(let i): return String(i)
        case .text(let s): return JSONText.quote(s)
        }
    }

    package var description: String {
        switch self {
        case .text(let s): return s
        default: return jsonFragment
        }
    }

    private static func render(_ decimal: Decimal) -> String {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 12, .plain)
        let text = rounded.description
        return text == "-0" ? "0" : text
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
}

extension MeterValue {
    /// The value as an exact decimal; `nil` for text.
    package var exactDecimal: Decimal? {
        switch self {
        case .decimal(let d): return d
        case .integer(let i): return Decimal(i)
        case .text: return nil
        }
    }

    /// The value as a whole number when it is one (`2`, `2.0`); `nil` for fractions and text.
    package var wholeNumber: Int? {
        switch self {
        case .integer(let i): return i
        case .decimal(var d):
            var rounded = Decimal()
            NSDecimalRound(&rounded, &d, 0, .plain)
            guard rounded == d, abs(d) < 1_000_000_000_000 else { return nil }
            return Int(NSDecimalNumber(decimal: d).int64Value)
        case .text: return nil
        }
    }
}
