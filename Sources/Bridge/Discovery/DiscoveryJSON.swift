import PRO380

/// A JSON value with ordered object members, for discovery payloads that are byte-for-byte stable (a payload that
/// did not change is not published again, and tests compare payloads as text).
package indirect enum DiscoveryJSON: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral
{
    case string(String)
    /// A number already written as JSON (`10000`, `0.01`).
    case number(String)
    case bool(Bool)
    case array([DiscoveryJSON])
    case object([(String, DiscoveryJSON)])

    package init(stringLiteral value: String) { self = .string(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }

    /// The compact JSON text (RFC 8259), members in the order given.
    package var text: String {
        switch self {
        case .string(let s): return JSONText.quote(s)
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSONText.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// The member `key` of an object, else nil.
    package subscript(key: String) -> DiscoveryJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    package static func == (lhs: DiscoveryJSON, rhs: DiscoveryJSON) -> Bool { lhs.text == rhs.text }
}
