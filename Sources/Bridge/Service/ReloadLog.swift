import Logging

/// How a reload's outcome is told: the log lines (each configuration error on one line, with `file`, and `line` and
/// `key` when known, as metadata) and the short note for the service manager's `STATUS=`.
struct ReloadLog {
    let logger: Logger

    /// Logs `outcome`; returns the note for `STATUS=`.
    func log(_ outcome: ReloadOutcome) -> String {
        let stays = "the running config stays"
        switch outcome {
        case .applied(let change):
            logger.notice("config reloaded: \(change.summary)")
            return "config reloaded"
        case .unchanged:
            logger.notice("config reloaded: no change to the buses or meters")
            return "config reloaded (no change)"
        case .invalid(let errors):
            for error in errors.errors { logger.error("\(error.summary)", metadata: error.logMetadata) }
            let count = errors.errors.count + errors.omitted
            if errors.omitted > 0 { logger.error("... and \(errors.omitted) more problems") }
            logger.error("config not reloaded: \(count) problem(s) in the file; \(stays)")
            return "config reload refused: \(count) problem(s) in the file, see the log"
        case .refused(let keys):
            let list = keys.joined(separator: ", ")
            logger.error(
                "config not reloaded: \(list) changed, which only a restart applies (systemctl restart pro380-mqtt); \(stays)"
            )
            return "config reload refused: a restart is needed for \(list)"
        case .failed(let reason):
            logger.error("config not reloaded: \(reason); \(stays)")
            return "config reload failed, see the log"
        case .notRunning:
            logger.warning("reload ignored: the bridge is shutting down")
            return "shutting down"
        }
    }
}
