package import Logging
import Synchronization

/// A `LogHandler` that keeps every message, so a test can assert that a warning was logged.
///
/// Make a `Logger` with `capture.logger(label:)`; read what was logged with `capture.entries` or
/// `capture.messages(atLeast:)`. Each capture is independent: nothing is bootstrapped globally.
package final class LogCapture: Sendable {
    /// One logged message.
    package struct Entry: Sendable, Equatable {
        package var level: Logger.Level
        package var message: String
        package var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])

    package init() {}

    /// A logger writing into this capture, at `level` and above.
    package func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// Every message logged so far, oldest first.
    package var entries: [Entry] { storage.withLock { $0 } }

    /// The messages at `level` or more severe.
    package func messages(atLeast level: Logger.Level) -> [String] {
        entries.filter { $0.level >= level }.map(\.message)
    }

    fileprivate func append(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(
                Entry(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" })
            )
        }
    }
}
