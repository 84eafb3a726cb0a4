/// A config file that cannot run, with the file, line and key that are wrong.
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file's path.
    package var file: String
    /// The 1-based line of the offending node, when known.
    package var line: Int?
    /// The key path: `buses[0].meters[1].address`.
    package var key: String
    /// What is wrong and what is allowed.
    package var message: String

    package init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `config.yaml:12: buses[0].meters[1].adress: unknown key (did you mean address?)`.
    package var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}
