import Foundation
import Yams

/// A YAML node with its key path and line, so that every decoding error names file, line and key.
///
/// Why by hand and not `Codable`: `YAMLDecoder` stops at the first type mismatch with a coding path but cannot
/// report unknown keys (a typo such as `adress` would silently fall back to a default), and its errors lose the
/// line. Walking `Yams.Node` keeps each node's `Mark`.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: line, key: path, message: message)
    }

    /// The mapping's entries; throws if the node is not a mapping or holds a key outside `allowed`.
    func mapping(allowed: [String]) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value pairs)") }
        var out: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error("keys must be strings") }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            let child = ConfigNode(node: value, path: childPath, file: file)
            guard allowed.contains(key) else {
                let hint = ConfigNode.closest(to: key, in: allowed).map { " (did you mean \($0)?)" } ?? ""
                throw ConfigurationError(
                    file: file,
                    line: keyNode.mark?.line ?? line,
                    key: childPath,
                    message: "unknown key\(hint); allowed here: \(allowed.joined(separator: ", "))"
                )
            }
            guard out[key] == nil else { throw child.error("duplicate key") }
            out[key] = child
        }
        return out
    }

    func sequence() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a text value") }
        return scalar.string
    }

    func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected a whole number, got \(describe())")
        }
        if let range, !range.contains(value) {
            throw error("\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let value = node.bool else {
            throw error("expected true or false, got \(describe())")
        }
        return value
    }

    func duration() throws -> Duration {
        guard case .scalar(let scalar) = node, let value = DurationText.parse(scalar.string) else {
            throw error("expected a duration such as 500ms, 10s, 5m or 1h, got \(describe())")
        }
        return value
    }

    func stringList() throws -> [String] {
        if case .scalar = node { return [try string()] }
        return try sequence().map { try $0.string() }
    }

    func describe() -> String {
        switch node {
        case .scalar(let s): return "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The allowed key within edit distance 2 of `key`, for "did you mean" hints.
    static func closest(to key: String, in allowed: [String]) -> String? {
        allowed.map { ($0, editDistance(Array(key), Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// Durations written as `500ms`, `10s`, `5m`, `1h` (a bare number is seconds), up to 30 days.
package enum DurationText {
    /// The longest duration accepted, in seconds (30 days): anything longer is a typo, and `1e20s` must not trap.
    static let longest: Double = 30 * 24 * 3600

    package static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value * factor <= longest else { return nil }
            return .milliseconds(Int64((value * factor * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds >= 0, seconds <= longest else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// `1500ms` → `1.5s`, for messages.
    package static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        return "\(ms / 1000)s"
    }
}
