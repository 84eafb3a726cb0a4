/// Why the outbox could not do what was asked.
package enum OutboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The disk (or the file system's quota) is full: SQLite's `SQLITE_FULL`.
    case full(path: String)
    /// Any other failure of the store (I/O error, a read-only file system, corruption found while running).
    case storeFailed(path: String, reason: String)
    /// The store cannot be opened or created at all (a folder that cannot be created, no permission).
    case cannotOpen(path: String, reason: String)

    package var description: String {
        switch self {
        case .full(let path): "the disk holding \(path) is full"
        case .storeFailed(let path, let reason): "\(path): \(reason)"
        case .cannotOpen(let path, let reason): "cannot open the outbox \(path): \(reason)"
        }
    }

    /// True for `.full`: the error a caller reports as "disk full".
    package var isFull: Bool {
        if case .full = self { return true }
        return false
    }
}
