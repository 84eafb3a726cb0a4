import Foundation
package import PRO380

/// The one JSON writer of the bridge: every payload it publishes (readings, command answers, availability
/// details, diagnostics, discovery configs) is built as a `JSONValue` and written by `text(_:)`.
///
/// Written by hand rather than with `JSONEncoder` because numbers must keep their exact decimal text (a reading of
/// `49.98` stays `49.98`, never `49.979999999999997`), object members keep the order given (payloads are compared
/// as text, and an unchanged retained payload is not published again), and `null` members must be written.
package indirect enum JSONValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral
{
    case null
    case string(String)
    /// A number already written as JSON (`10000`, `0.01`, a reading's exact decimal).
    case number(String)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// How members and items are separated.
    package enum Style: Sendable {
        /// `{"a":1,"b":[1,2]}` (discovery configs).
        case compact
        /// `{"a": 1, "b": [1, 2]}` (readings, answers, diagnostics).
        case spaced
        /// The members of the outer object one per line, indented by two spaces, each value `spaced`, and the
        /// items of an array member one per line, indented by four (the `read --json` output, `scan --json`).
        case lines
    }

    package init(stringLiteral value: String) { self = .string(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }

    /// A meter value: its exact decimal (`49.98`), integer or text.
    package init(_ value: MeterValue) {
        if case .text(let text) = value {
            self = .string(text)
        } else {
            self = .number(value.jsonFragment)
        }
    }

    /// An integer.
    package static func integer(_ n: Int) -> JSONValue { .number(String(n)) }

    /// `x` with `digits` decimals, rounded half away from zero (`12.3` for milliseconds with one decimal); `null`
    /// for NaN and infinities, which JSON cannot hold.
    ///
    /// Written by hand, not with `String(format:)`: that goes through CoreFoundation's formatter, whose code (spread
    /// over the binary) the diagnostics brought back into the resident set once a minute, about 2 MiB
    /// (docs/performance.md).
    package static func fixed(_ x: Double, digits: Int) -> JSONValue {
        guard x.isFinite else { return .null }
        var scale = 1
        for _ in 0..<max(0, digits) { scale *= 10 }
        let scaled = (x.magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero)
        // From 2^53 on a double holds no fractional digits anyway: Swift's shortest form (`1e+300`) is valid JSON.
        guard scaled < 9_007_199_254_740_992 else { return .number(x.rounded().description) }
        let units = Int(scaled)
        var text = x < 0 && units != 0 ? "-" : ""
        text += String(units / scale)
        if digits > 0 {
            let fraction = String(units % scale)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return .number(text)
    }

    /// A string, or `null`.
    package static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    /// The JSON text (RFC 8259), members in the order given.
    package func text(_ style: Style = .compact) -> String {
        let (comma, colon) = style == .compact ? (",", ":") : (", ", ": ")
        if style == .lines, case .object(let members) = self {
            let lines = members.map { name, value in
                let text: String
                if case .array(let items) = value, !items.isEmpty {
                    text = "[\n" + items.map { "    " + $0.text(.spaced) }.joined(separator: ",\n") + "\n  ]"
                } else {
                    text = value.text(.spaced)
                }
                return "  " + JSONText.quote(name) + colon + text
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n}"
        }
        switch self {
        case .null: return "null"
        case .string(let s): return JSONText.quote(s)
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map { $0.text(style) }.joined(separator: comma) + "]"
        case .object(let members):
            return "{" + members.map { JSONText.quote($0.0) + colon + $0.1.text(style) }.joined(separator: comma)
                + "}"
        }
    }

    /// The compact text (discovery payloads).
    package var text: String { text(.compact) }

    /// The member `key` of an object, else nil.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.text == rhs.text }
}
