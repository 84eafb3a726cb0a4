import Foundation
import GRDB

/// The SQLite file behind an `Outbox` (GRDB `DatabaseQueue`, WAL mode): one table of messages in append order and
/// one of the newest id per topic. Synchronous and stateless beyond the connection: `Outbox` calls it from its own
/// serial queue and keeps the figures.
///
/// Schema (migrations `v1`, `v2`):
/// - `message(id INTEGER PRIMARY KEY AUTOINCREMENT, topic, payload BLOB, qos, retain, created REAL, size,
///   latest_only)`: `AUTOINCREMENT` so an id is never reused, even after the newest rows were deleted, which keeps
///   ids in append order across restarts; `created` is seconds since 1970; `size` is `OutboxMessage.size`;
///   `latest_only` (added by `v2`, 0 for rows a `v1` file holds) is `OutboxMessage.latestOnly`.
/// - `head(topic PRIMARY KEY, newest)`: the id of the newest message ever appended per topic, updated in the same
///   transaction as the append. It outlives the message itself, so that after a restart an older message still
///   waiting is never sent as the retained value once a newer one was delivered (see `DrainPlan`).
struct OutboxStore: Sendable {
    let database: DatabaseQueue
    /// The file, or `:memory:`, for messages.
    let path: String
    /// The file's lock, held while the store is open (`nil` in memory).
    let lock: OutboxFileLock?

    /// Opens (or creates) the store: WAL journal, `synchronous` as given, a 256 KiB page cache, the schema.
    /// - Parameter maxPageCount: SQLite's `max_page_count`, a hard cap on the file (tests use it to simulate a
    ///   full disk: SQLite reports `SQLITE_FULL` either way).
    /// - Throws: `DatabaseError` from SQLite (`SQLITE_NOTADB`, `SQLITE_CORRUPT` for a damaged file).
    init(
        path: String?,
        synchronous: OutboxSynchronous,
        maxPageCount: Int? = nil,
        lock: OutboxFileLock? = nil
    ) throws {
        self.lock = lock
        var configuration = Configuration()
        configuration.label = "outbox"
        configuration.qos = .utility
        if path != nil { configuration.journalMode = .wal }
        configuration.prepareDatabase { db in
            // https://www.sqlite.org/pragma.html#pragma_synchronous: "WAL mode is always consistent with
            // synchronous=NORMAL, but WAL mode does lose durability. A transaction committed in WAL mode with
            // synchronous=NORMAL might roll back following a power loss or system crash." FULL syncs the WAL at
            // every commit.
            try db.execute(sql: "PRAGMA synchronous = \(synchronous == .full ? "FULL" : "NORMAL")")
            // A negative cache_size is in KiB: the outbox reads and writes at its two ends only.
            try db.execute(sql: "PRAGMA cache_size = -256")
            // After a checkpoint the WAL file is truncated to at most 4 MiB instead of keeping its largest size.
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
            if let maxPageCount { _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        if let path {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } else {
            database = try DatabaseQueue(configuration: configuration)
        }
        self.path = path ?? ":memory:"
        do {
            let check = try database.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            guard check == ["ok"] else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: check.prefix(3).joined(separator: "; "))
            }
            try Self.migrator.migrate(database)
        } catch {
            try? database.close()
            throw error
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE message (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        topic TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        qos INTEGER NOT NULL,
                        retain INTEGER NOT NULL,
                        created REAL NOT NULL,
                        size INTEGER NOT NULL
                    );
                    CREATE TABLE head (topic TEXT PRIMARY KEY NOT NULL, newest INTEGER NOT NULL) WITHOUT ROWID;
                    """
            )
        }
        // A file written by an earlier version keeps its rows: they count as readings (replayed as before).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE message ADD COLUMN latest_only INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }

    func close() throws {
        defer { lock?.release() }
        try database.close()
    }
}

/// How hard SQLite makes a commit durable (`outbox.sync`).
package enum OutboxSynchronous: String, Sendable, Equatable, CaseIterable {
    /// `PRAGMA synchronous = NORMAL`: a commit survives the process being killed; a power loss may roll back the
    /// commits since the last checkpoint (the WAL is synced at checkpoints).
    case normal
    /// `PRAGMA synchronous = FULL`: the WAL is synced at every commit, so a commit also survives a power loss.
    case full
}
