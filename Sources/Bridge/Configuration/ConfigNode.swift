import Foundation
import SerialIO
import Yams

/// A YAML node with its key path and line, so that every decoding error names file, line and key.
///
/// Why by hand and not `Codable`: `YAMLDecoder` stops at the first type mismatch with a coding path but cannot
/// report unknown keys (a typo such as `adress` would silently fall back to a default), and its errors lose the
/// line. Walking `Yams.Node` keeps each node's `Mark`, and lets one run report every problem of the file.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String
    /// Where the problems of this decode are collected.
    let problems: ConfigurationProblems

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: line, key: path, message: message)
    }

    /// The error for a required `key` missing here; `nil` when a misspelt key was already taken for it (the
    /// "did you mean" error says it all).
    func missing(_ key: String, _ message: String) -> ConfigurationError? {
        problems.suggested.contains(path.isEmpty ? key : "\(path).\(key)") ? nil : error(message)
    }

    /// Records a warning about this node: the config runs, but something deserves a look.
    func warn(_ message: String) {
        problems.warn(error(message))
    }

    /// Runs `decode`, recording a `ConfigurationError` it throws; `nil` then (`ConfigurationProblems.attempt`).
    func attempt<T>(_ decode: () throws -> T) -> T? {
        problems.attempt(file: file, decode)
    }

    func child(_ node: Node, path: String) -> ConfigNode {
        ConfigNode(node: node, path: path, file: file, problems: problems)
    }

    /// The mapping's entries. A key outside `allowed` is recorded as an error (with a "did you mean" from the
    /// allowed keys, or the `hints` text for that key) and left out, so the other keys are still checked.
    /// - Throws: when the node is not a mapping.
    func mapping(allowed: [String], hints: [String: String] = [:]) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value pairs)") }
        var out: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                problems.record(error("keys must be strings"))
                continue
            }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            let child = child(value, path: childPath)
            guard allowed.contains(key) else {
                let closest = ConfigNode.closest(to: key, in: allowed)
                if let closest { problems.suggested.insert(path.isEmpty ? closest : "\(path).\(closest)") }
                let hint = hints[key].map { ": \($0)" } ?? closest.map { " (did you mean \($0)?)" } ?? ""
                problems.record(
                    ConfigurationError(
                        file: file,
                        line: keyNode.mark?.line ?? line,
                        key: childPath,
                        message: "unknown key\(hint); allowed here: \(allowed.joined(separator: ", "))"
                    )
                )
                continue
            }
            guard out[key] == nil else {
                problems.record(child.error("duplicate key"))
                continue
            }
            out[key] = child
        }
        return out
    }

    func sequence() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { child($1, path: "\(path)[\($0)]") }
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

    /// A TCP port, 1-65535; one outside is worded as the command line words it (`TCPPort.problem`).
    func port() throws -> Int {
        let value = try int()
        if let problem = TCPPort.problem(value) { throw error(problem) }
        return value
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let value = node.bool else {
            throw error("expected true or false, got \(describe())")
        }
        return value
    }

    /// A duration with its unit: `500ms`, `10s`, `5m`, `1h`. A bare number is refused with the fix, since it
    /// could mean seconds or milliseconds (`timeout: 500`: write 500ms or 500s).
    func duration() throws -> Duration {
        guard case .scalar(let scalar) = node else {
            throw error("expected a duration such as 500ms, 10s, 5m or 1h, got \(describe())")
        }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        if let number = Double(text), number.isFinite {
            throw error("\(text) has no unit: write \(text)s or \(text)ms (or m, h)")
        }
        guard let value = DurationText.parse(text) else {
            throw error("expected a duration such as 500ms, 10s, 5m or 1h (at most 30 days), got \(describe())")
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
