import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on an outbox file for as long as one process uses it: `flock(LOCK_EX | LOCK_NB)` on
/// `<path>.lock`, created beside the store.
///
/// Why: two bridges with the same client id (and so the same default outbox file) would take each other's live
/// readings for a backlog and fail each other's transactions with "database is locked", dropping readings. The
/// second one now refuses to start instead, naming the cause. The kernel releases the lock when the process ends,
/// however it ends (a crash or SIGKILL leaves no stale lock). A lock file of its own, not the database file: SQLite
/// takes its own POSIX locks on that one, which `flock` must not be mixed with.
final class OutboxFileLock: Sendable {
    let path: String
    /// The lock file's descriptor while the lock is held.
    private let fd: Mutex<Int32?>

    /// Takes the lock.
    /// - Throws: `OutboxError.cannotOpen` when another process (or another open outbox in this one) holds it, or the
    ///   lock file cannot be created.
    init(storePath: String) throws(OutboxError) {
        path = storePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .cannotOpen(path: storePath, reason: "cannot create the lock file \(path): \(Self.text(of: errno))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw .cannotOpen(
                    path: storePath,
                    reason: "in use by another running bridge (the same mqtt.client_id or outbox.path); "
                        + "give each instance its own client_id"
                )
            }
            throw .cannotOpen(path: storePath, reason: "cannot lock \(path): \(Self.text(of: code))")
        }
        self.fd = Mutex(fd)
    }

    /// Gives the lock up (closing the store does); a second call does nothing.
    func release() {
        fd.withLock { fd in
            if let descriptor = fd { close(descriptor) }
            fd = nil
        }
    }

    deinit {
        release()
    }

    private static func text(of code: Int32) -> String { String(cString: strerror(code)) }
}
