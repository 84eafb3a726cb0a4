import Foundation
import GRDB

/// A damaged store found at open and moved aside: what the one log line says.
package struct OutboxRecovery: Sendable, Equatable, CustomStringConvertible {
    /// The store's path.
    package var path: String
    /// Where the damaged file went.
    package var movedTo: String
    /// What SQLite said (`file is not a database`, `database disk image is malformed`, ...).
    package var reason: String

    package var description: String {
        "the outbox \(path) is damaged (\(reason)): moved aside to \(movedTo); starting with an empty outbox"
    }
}

extension OutboxStore {
    /// Opens the store at `path`, creating its folder (mode 0700) if needed. A file SQLite finds damaged
    /// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, a failed `quick_check`: garbage, a truncated file) is renamed to
    /// `<path>.corrupt-<UTC time>` with its `-wal` file, and a new store is created in its place. The store's
    /// `OutboxFileLock` is taken first: a file another running bridge uses is never opened, let alone moved aside.
    /// - Throws: `OutboxError.cannotOpen` when the folder or the file cannot be created or opened, or when another
    ///   process holds the file's lock.
    static func openRecovering(
        path: String,
        synchronous: OutboxSynchronous,
        maxPageCount: Int? = nil,
        now: Date = Date()
    ) throws(OutboxError) -> (OutboxStore, OutboxRecovery?) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: folder,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw .cannotOpen(path: path, reason: "cannot create the folder \(folder): \(Self.describe(error))")
        }
        let lock = try OutboxFileLock(storePath: path)
        do {
            return (try OutboxStore(path: path, synchronous: synchronous, maxPageCount: maxPageCount, lock: lock), nil)
        } catch let error as DatabaseError where Self.isDamage(error) {
            let aside = "\(path).corrupt-\(Self.stamp(now))"
            do {
                try FileManager.default.moveItem(atPath: path, toPath: aside)
                for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                    if suffix == "-wal" {
                        try FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
                    } else {
                        try FileManager.default.removeItem(atPath: path + suffix)
                    }
                }
                let store = try OutboxStore(
                    path: path,
                    synchronous: synchronous,
                    maxPageCount: maxPageCount,
                    lock: lock
                )
                return (store, OutboxRecovery(path: path, movedTo: aside, reason: Self.describe(error)))
            } catch {
                throw .cannotOpen(path: path, reason: "damaged, and cannot be moved aside: \(Self.describe(error))")
            }
        } catch {
            throw .cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    /// SQLite's own words for a `DatabaseError` (`disk I/O error`), else the error's description.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        if let error = error as? CocoaError, let underlying = error.underlying { return "\(underlying)" }
        return "\(error)"
    }

    private static func isDamage(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// `20261129T120000Z`.
    private static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
