import Bridge
import Foundation
import Logging
import PRO380

/// Writes each log event as one JSON object on one line of standard error, for journald and log shippers
/// (Loki, Vector, ...) that parse structured lines: `--log-format json`.
///
/// `{"time": "2026-11-29T12:00:00.412Z", "level": "notice", "label": "pro380-mqtt", "source": "Bridge",
/// "message": "meter is online", "metadata": {"meter": "main"}}`. Time in UTC with milliseconds (RFC 3339); metadata
/// values as strings (nested lists and dictionaries in their text form). Written by hand: swift-log ships only the
/// plain-text `StreamLogHandler` and no JSON handler is among this project's packages; each line goes out in one
/// `write(2)`, so lines of concurrent tasks never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        Self.write(
            Self.line(
                time: Date(),
                level: event.level,
                label: label,
                source: event.source,
                message: event.message.description,
                metadata: merged
            )
        )
    }

    /// The JSON line (with its newline) for one event.
    static func line(
        time: Date,
        level: Logger.Level,
        label: String,
        source: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        var members: [(String, JSONValue)] = [
            ("time", .string(Timestamp.rfc3339(time))), ("level", .string(level.rawValue)), ("label", .string(label)),
            ("source", .string(source)), ("message", .string(message)),
        ]
        if !metadata.isEmpty {
            members.append(
                ("metadata", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string("\($0.value)")) }))
            )
        }
        return JSONValue.object(members).text(.spaced) + "\n"
    }

    private static func write(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Foundation.write(2, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
