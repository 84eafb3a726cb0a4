import Foundation
package import Logging

/// One problem of a config file, with the file, line and key that are wrong.
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file's path.
    package var file: String
    /// The 1-based line of the offending node, when known.
    package var line: Int?
    /// The key path: `buses[0].meters[1].address`; empty when the problem is not one key's (YAML syntax).
    package var key: String
    /// What is wrong and what is allowed, on one line.
    package var message: String
    /// The lines of the file the problem is in, for people reading `check-config`: the YAML parser's quote of the
    /// offending line with a `^` under the column. Not logged: a log line is one line.
    package var excerpt: String?

    package init(file: String, line: Int?, key: String, message: String, excerpt: String? = nil) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.excerpt = excerpt
    }

    /// `config.yaml:12: buses[0].meters[1].adress: unknown key (did you mean address?)`, then the excerpt's lines.
    package var description: String {
        excerpt.map { "\(summary)\n\($0)" } ?? summary
    }

    /// `config.yaml:12: buses[0].meters[1].adress: unknown key (did you mean address?)` on one line (line breaks in
    /// the message become spaces): what the log says.
    package var summary: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let text = key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The log metadata naming where the problem is: `file`, and `line` and `key` when known.
    package var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["file": "\(file)"]
        if let line { metadata["line"] = "\(line)" }
        if !key.isEmpty { metadata["key"] = "\(key)" }
        return metadata
    }
}

/// Every problem of a config file that cannot run (up to `ConfigurationProblems.limit`), in file order: what
/// `BridgeConfiguration.parse` and `load` throw.
package struct ConfigurationErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems reported, in the order of the file.
    package var errors: [ConfigurationError]
    /// How many more were found beyond the limit.
    package var omitted: Int

    package init(_ errors: [ConfigurationError], omitted: Int = 0) {
        self.errors = errors
        self.omitted = omitted
    }

    /// One problem per line; the last line says how many more there are, if any.
    package var description: String {
        var lines = errors.map(\.description)
        if omitted > 0 { lines.append("... and \(omitted) more (fix these first)") }
        return lines.joined(separator: "\n")
    }
}

/// Collects the problems found while a config file is decoded, so one run reports all of them (up to `limit`)
/// instead of the first. Errors stop the file from running; warnings do not (a serial device that is not plugged
/// in yet). Used on one thread, by one decode.
final class ConfigurationProblems {
    /// At most this many errors are reported at once: beyond that, the first ones are the ones to fix.
    static let limit = 20

    private(set) var errors: [ConfigurationError] = []
    private(set) var omitted = 0
    private(set) var warnings: [ConfigurationError] = []
    /// Every error recorded so far, reported or omitted: a decoder compares it before and after a step.
    var count: Int { errors.count + omitted }
    /// The key paths an unknown key was taken for ("did you mean address?"): that key's absence is no news.
    var suggested: Set<String> = []

    func record(_ error: ConfigurationError) {
        guard !errors.contains(error) else { return }
        if errors.count < Self.limit { errors.append(error) } else { omitted += 1 }
    }

    func warn(_ warning: ConfigurationError) {
        if !warnings.contains(warning) { warnings.append(warning) }
    }

    /// Runs `decode`; the `ConfigurationError` it throws is recorded and `nil` returned, so decoding goes on with
    /// the next key. (The decoders throw nothing else; anything else would be recorded as it is, at `file`.)
    func attempt<T>(file: String, _ decode: () throws -> T) -> T? {
        do {
            return try decode()
        } catch let error as ConfigurationError {
            record(error)
        } catch {
            record(ConfigurationError(file: file, line: nil, key: "", message: "\(error)"))
        }
        return nil
    }

    /// The errors sorted by line, as one error; `nil` when there are none.
    var failure: ConfigurationErrors? {
        guard !errors.isEmpty else { return nil }
        let sorted = errors.enumerated().sorted {
            ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset)
        }
        return ConfigurationErrors(sorted.map(\.element), omitted: omitted)
    }
}
