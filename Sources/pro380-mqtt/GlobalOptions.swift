import ArgumentParser
import Logging
import Synchronization

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Whether swift-log was set up: `LoggingSystem.bootstrap` traps when called a second time in a process.
    private static let bootstrapped = Mutex(false)

    /// Sets up swift-log to standard error at the chosen level (once per process: later calls only make a
    /// logger); returns the root logger.
    func bootstrapLogging(label: String = "pro380-mqtt") -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let first = Self.bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return Logger(label: label)
    }
}
