import Foundation
import PRO380

/// Turns a payload value into a `CommandValue` inside a key's `AllowedValues`, or says why not.
enum CommandValueParser {
    struct Refusal: Error {
        var message: String
    }

    static func parse(
        _ value: CommandPayload.Value,
        allowed: AllowedValues,
        persist: Bool
    ) throws(Refusal) -> CommandValue {
        switch allowed {
        case .tariff:
            let tariff: Int?
            switch value {
            case .number(let n): tariff = n == 1 ? 1 : (n == 2 ? 2 : nil)
            case .text(let s):
                switch s.uppercased() {
                case "1", "T1": tariff = 1
                case "2", "T2": tariff = 2
                default: tariff = nil
                }
            case .other: throw Refusal(message: "wrong type")
            }
            guard let tariff else { throw Refusal(message: "not a tariff") }
            return .tariff(tariff, persist: persist)
        case .integers(let range):
            let number = try number(value)
            guard let integer = Int(exactly: NSDecimalNumber(decimal: number).doubleValue), Decimal(integer) == number
            else {
                throw Refusal(message: "not a whole number")
            }
            guard range.contains(integer) else { throw Refusal(message: "out of range") }
            return .integer(integer)
        case .oneOf(let values):
            let number = try number(value)
            guard values.contains(number) else { throw Refusal(message: "not in the allowed set") }
            if let integer = Int(exactly: NSDecimalNumber(decimal: number).doubleValue), Decimal(integer) == number {
                return .integer(integer)
            }
            return .decimal(number)
        case .names(let names):
            guard case .text(let text) = value else { throw Refusal(message: "wrong type: a name is expected") }
            guard let named = names.first(where: { $0.name == text.lowercased() }) else {
                throw Refusal(message: "unknown name")
            }
            return .named(name: named.name, code: named.code)
        case .digits(let count):
            let text: String
            switch value {
            case .text(let s): text = s
            case .number(let n): text = "\(n)"
            case .other: throw Refusal(message: "wrong type")
            }
            guard text.count == count, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw Refusal(message: "not \(count) digits")
            }
            return .digits(text)
        }
    }

    private static func number(_ value: CommandPayload.Value) throws(Refusal) -> Decimal {
        switch value {
        case .number(let n): return n
        case .text(let s):
            guard let n = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")),
                s.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" })
            else {
                throw Refusal(message: "not a number")
            }
            return n
        case .other: throw Refusal(message: "wrong type")
        }
    }
}
