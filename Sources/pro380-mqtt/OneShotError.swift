import Foundation

/// How the one-shot commands (`read`, `write`) say what went wrong: on standard error, the endpoint named once.
enum OneShotError {
    /// `reason` without "ENDPOINT: ": the transport's errors begin with their endpoint ("127.0.0.1:1: cannot
    /// connect: ..."), also where a command's error wraps one, and the command's own sentence names it already.
    static func withoutEndpoint(_ reason: String, _ endpoint: String) -> String {
        reason.replacingOccurrences(of: "\(endpoint): ", with: "")
    }

    /// Writes `text` and a newline to standard error.
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
