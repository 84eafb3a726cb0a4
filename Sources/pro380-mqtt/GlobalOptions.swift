import ArgumentParser
import Logging
import Synchronization

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    /// How log lines are written.
    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        /// `2026-11-29T12:00:00+0000 notice pro380-mqtt: meter=main [Bridge] meter is online`.
        case text
        /// One JSON object per line (`JSONLogHandler`).
        case json
    }

    @Option(
        name: .long,
        help:
            "Log level: trace, debug, info, notice, warning, error, critical (default info, or the config's log_level)."
    )
    var logLevel: String?

    @Option(name: .long, help: "Log line format on standard error: text, or json (journald, Loki).")
    var logFormat: LogFormat = .text

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Whether swift-log was set up: `LoggingSystem.bootstrap` traps when called a second time in a process.
    private static let bootstrapped = Mutex(false)

    /// Sets up swift-log to standard error (once per process: later calls only make a logger); returns the root
    /// logger.
    /// - Parameter configured: the level the config file asks for; `--log-level` wins over it, info is the default.
    func bootstrapLogging(label: String = "pro380-mqtt", configured: Logger.Level? = nil) -> Logger {
        let level = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? configured ?? .info
        let format = logFormat
        let first = Self.bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            LoggingSystem.bootstrap { label in
                switch format {
                case .json:
                    return JSONLogHandler(label: label, level: level)
                case .text:
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
        }
        return Logger(label: label)
    }
}
