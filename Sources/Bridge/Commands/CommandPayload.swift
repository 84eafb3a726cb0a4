import Foundation

/// A command payload taken apart: the value and the optional `id`, `persist` and `time` fields.
struct CommandPayload: Sendable {
    /// A value as written in the payload.
    enum Value: Sendable, Equatable, CustomStringConvertible {
        case number(Decimal)
        case text(String)
        case other(String)

        var description: String {
            switch self {
            case .number(let d): return "\(d)"
            case .text(let s): return "\"\(s)\""
            case .other(let s): return s
            }
        }
    }

    var value: Value
    var id: String?
    var persist: Bool?
    var time: Date?

    static let fields = ["value", "id", "persist", "time"]

    /// Parses a plain payload (`2`, `T2`) or a JSON object.
    /// - Throws: `CommandRejection` for malformed JSON, unknown fields and wrong field types.
    static func parse(_ payload: [UInt8]) throws(CommandRejection) -> CommandPayload {
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw CommandRejection("the payload is not UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw CommandRejection("the payload is empty: send a value such as 2 or {\"value\": 2}")
        }
        guard trimmed.hasPrefix("{") else {
            if trimmed.hasPrefix("[") || trimmed.hasPrefix("\"") {
                throw CommandRejection("send a plain value such as 2 or a JSON object such as {\"value\": 2}")
            }
            if let number = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")),
                Self.isPlainNumber(trimmed)
            {
                return CommandPayload(value: .number(number))
            }
            return CommandPayload(value: .text(trimmed))
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw CommandRejection("malformed JSON: expected an object")
            }
            object = parsed
        } catch let rejection as CommandRejection {
            throw rejection
        } catch {
            throw CommandRejection("malformed JSON: \(trimmed.prefix(80))")
        }
        let id = Self.id(object["id"])
        for key in object.keys where !fields.contains(key) {
            throw CommandRejection("unknown field \(key); allowed fields: \(fields.joined(separator: ", "))", id: id)
        }
        if object["id"] != nil && id == nil { throw CommandRejection("id must be a string or a number", id: nil) }
        guard let raw = object["value"] else { throw CommandRejection("the JSON object has no value field", id: id) }
        var result = CommandPayload(value: Self.value(raw), id: id)
        if let persist = object["persist"] {
            guard let flag = Self.bool(persist) else { throw CommandRejection("persist must be true or false", id: id) }
            result.persist = flag
        }
        if let time = object["time"] {
            guard let text = time as? String, let date = Timestamp.parse(text) else {
                throw CommandRejection("time must be an RFC 3339 timestamp such as 2026-11-29T12:00:00Z", id: id)
            }
            result.time = date
        }
        return result
    }

    private static func isPlainNumber(_ text: String) -> Bool {
        text.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    private static func bool(_ any: Any) -> Bool? {
        guard let number = any as? NSNumber, isBoolean(number) else { return nil }
        return number.boolValue
    }

    private static func id(_ any: Any?) -> String? {
        switch any {
        case let text as String: return text
        case let number as NSNumber where !isBoolean(number): return number.stringValue
        default: return nil
        }
    }

    private static func value(_ any: Any) -> Value {
        switch any {
        case let text as String:
            return .text(text)
        case let number as NSNumber where !isBoolean(number):
            // JSONSerialization hands numbers over as doubles or integers; the shortest description is the
            // number as written for every value a command can carry (0.01, 10000, 247).
            let description = String(cString: number.objCType) == "d" ? "\(number.doubleValue)" : number.stringValue
            return Decimal(string: description, locale: Locale(identifier: "en_US_POSIX")).map(Value.number)
                ?? .other(description)
        case let number as NSNumber:
            return .other(number.boolValue ? "true" : "false")
        case is NSNull:
            return .other("null")
        case is [Any]:
            return .other("a list")
        default:
            return .other("an object")
        }
    }
}
