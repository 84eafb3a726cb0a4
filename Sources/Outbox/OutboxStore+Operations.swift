import Foundation
import GRDB
import GRDBSQLite

/// The store's figures at open: what the bounds and the drain start from.
struct OutboxSnapshot: Sendable {
    var count: Int
    var bytes: Int
    var oldest: Date?
    /// The highest id ever used (`sqlite_sequence`), 0 for a new store.
    var lastID: Int64
    /// The newest id per topic, for topics that still have messages waiting.
    var newest: [String: Int64]
}

/// What a trim deleted: every row with an id up to `through`.
struct OutboxTrimResult: Sendable, Equatable {
    var through: Int64
    var expired = 0
    var overBytes = 0
    var bytes = 0
    var count: Int { expired + overBytes }
}

/// What an append did: the new entries and what was trimmed to make room.
struct OutboxAppendResult: Sendable {
    var entries: [OutboxEntry]
    var trimmed: OutboxTrimResult?
    /// When the oldest remaining message was appended.
    var oldest: Date?
}

extension OutboxStore {
    /// Reads the figures and forgets the `head` rows of topics with nothing waiting (they cannot matter any more).
    func snapshot() throws -> OutboxSnapshot {
        try database.write { db in
            try db.execute(sql: "DELETE FROM head WHERE topic NOT IN (SELECT topic FROM message)")
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), TOTAL(size), MIN(id) FROM message")
            let lastID = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'message'") ?? 0
            var newest: [String: Int64] = [:]
            let heads = try Row.fetchCursor(db, sql: "SELECT topic, newest FROM head")
            while let head = try heads.next() { newest[head[0]] = head[1] }
            return OutboxSnapshot(
                count: row?[0] ?? 0,
                bytes: Int((row?[1] as Double?) ?? 0),
                oldest: try Self.oldest(db),
                lastID: lastID,
                newest: newest
            )
        }
    }

    /// Rows per multi-row INSERT at most (7 parameters each: far below SQLite's 32766 since 3.32).
    static let rowsPerInsert = 128
    /// Ids per multi-row DELETE at most.
    static let idsPerDelete = 64

    /// How `count` rows are split into multi-row statements: `largest` at a time, then the rest as descending powers
    /// of two (70 rows: 64, 4, 2).
    ///
    /// Why powers of two: GRDB keeps every statement prepared with `cachedStatement` for the connection's life, and a
    /// multi-row statement of a hundred rows compiles to a program of tens of KiB. One statement per row count, as
    /// before, grew the bridge by tens of MiB once the batches' sizes varied (QoS 1 polls stored after going
    /// unstored, flat out: docs/performance.md, stop 24). Now a store prepares at most one statement per power of
    /// two up to `largest`: eight for the inserts, eight for `head`, seven for the deletes.
    static func chunks(of count: Int, largest: Int) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        var start = 0
        while start < count {
            let rest = count - start
            let size = rest >= largest ? largest : 1 << (Int.bitWidth - 1 - rest.leadingZeroBitCount)
            chunks.append(start..<start + size)
            start += size
        }
        return chunks
    }

    /// Appends `messages` in one transaction, updates `head`, then carries out `trim` (computed by the caller with
    /// these messages counted).
    ///
    /// Multi-row INSERTs of `message` and upserts of `head` (`chunks(of:largest:)`), not a statement per message: a
    /// poll of 70 readings is three statements of each instead of 70.
    func append(_ messages: [OutboxMessage], at now: Date, trim: OutboxTrim?) throws -> OutboxAppendResult {
        try database.write { db in
            let created = now.timeIntervalSince1970
            var entries: [OutboxEntry] = []
            entries.reserveCapacity(messages.count)
            var newest: [String: Int64] = [:]
            for range in Self.chunks(of: messages.count, largest: Self.rowsPerInsert) {
                let chunk = messages[range]
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO message (topic, payload, qos, retain, created, size, latest_only) VALUES "
                        + Self.placeholders(rows: chunk.count, columns: 7)
                )
                var binding = StatementBinding(insert)
                for message in chunk {
                    binding.bind(message.topic)
                    binding.bind(message.payload)
                    binding.bind(Int64(message.qos))
                    binding.bind(Int64(message.retain ? 1 : 0))
                    binding.bind(created)
                    binding.bind(Int64(message.size))
                    binding.bind(Int64(message.latestOnly ? 1 : 0))
                }
                try binding.execute(in: db)
                // One statement, one writer, AUTOINCREMENT: the rows got consecutive ids in VALUES order, the last
                // one being the last inserted (https://www.sqlite.org/autoinc.html: each new rowid is one larger
                // than the largest ever used).
                var id = db.lastInsertedRowID - Int64(chunk.count) + 1
                for message in chunk {
                    entries.append(OutboxEntry(id: id, message: message, created: now))
                    newest[message.topic] = id
                    id += 1
                }
            }
            let heads = Array(newest)
            for range in Self.chunks(of: heads.count, largest: Self.rowsPerInsert) {
                let chunk = heads[range]
                let upsert = try db.cachedStatement(
                    sql: "INSERT INTO head (topic, newest) VALUES "
                        + Self.placeholders(rows: chunk.count, columns: 2)
                        + " ON CONFLICT(topic) DO UPDATE SET newest = excluded.newest"
                )
                var binding = StatementBinding(upsert)
                for (topic, id) in chunk {
                    binding.bind(topic)
                    binding.bind(id)
                }
                try binding.execute(in: db)
            }
            let trimmed = try trim.flatMap { try Self.trim(db, $0) }
            return OutboxAppendResult(
                entries: entries,
                trimmed: trimmed,
                oldest: trimmed == nil ? nil : try Self.oldest(db)
            )
        }
    }

    /// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
    private static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Deletes the acknowledged messages `ids`; returns how many rows and bytes went (ids already gone count 0).
    func delete(_ ids: [Int64]) throws -> (count: Int, bytes: Int, oldest: Date?) {
        try database.write { db in
            var count = 0
            var bytes = 0
            // Multi-row statements (`chunks(of:largest:)`): far cheaper than one per id.
            for range in Self.chunks(of: ids.count, largest: Self.idsPerDelete) {
                let chunk = ids[range]
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let delete = try db.cachedStatement(
                    sql: "DELETE FROM message WHERE id IN (\(placeholders)) RETURNING size"
                )
                var binding = StatementBinding(delete)
                for id in chunk { binding.bind(id) }
                try binding.execute(in: db) { row in
                    count += 1
                    bytes += Int(sqlite3_column_int64(row, 0))
                }
            }
            return (count, bytes, try Self.oldest(db))
        }
    }

    /// Drops what `trim` says on its own (the age bound, checked without an append).
    func trim(_ trim: OutboxTrim) throws -> (OutboxTrimResult?, oldest: Date?) {
        try database.write { db in
            let result = try Self.trim(db, trim)
            return (result, try Self.oldest(db))
        }
    }

    /// The stored messages with `after < id < before`, oldest first, at most `limit`.
    func read(after: Int64, before: Int64, limit: Int) throws -> [OutboxEntry] {
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, topic, payload, qos, retain, created, latest_only FROM message
                    WHERE id > ? AND id < ? ORDER BY id LIMIT ?
                    """,
                arguments: [after, before, limit]
            )
            var entries: [OutboxEntry] = []
            while let row = try rows.next() {
                let payload: Data = row[2]
                entries.append(
                    OutboxEntry(
                        id: row[0],
                        message: OutboxMessage(
                            topic: row[1],
                            payload: Array(payload),
                            qos: row[3],
                            retain: row[4],
                            latestOnly: row[6]
                        ),
                        created: Date(timeIntervalSince1970: row[5])
                    )
                )
            }
            return entries
        }
    }

    /// How many stored state messages (`latest_only`) a newer message of their topic supersedes: the replay skips
    /// them (`DrainPlan.finishSuperseded`), so a count of what it will send leaves them out.
    func supersededStates() throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM message JOIN head ON head.topic = message.topic
                    WHERE message.latest_only = 1 AND message.id < head.newest
                    """
            ) ?? 0
        }
    }

    /// Deletes from the oldest row on: rows appended before `olderThan`, then rows until `bytesToFree` are freed.
    private static func trim(_ db: Database, _ trim: OutboxTrim) throws -> OutboxTrimResult? {
        let cutoff = trim.olderThan?.timeIntervalSince1970
        var result = OutboxTrimResult(through: 0)
        let rows = try Row.fetchCursor(db, sql: "SELECT id, created, size FROM message ORDER BY id")
        while let row = try rows.next() {
            let created: Double = row[1]
            if let cutoff, created < cutoff {
                result.expired += 1
            } else if result.bytes < trim.bytesToFree {
                result.overBytes += 1
            } else {
                break
            }
            result.through = row[0]
            result.bytes += row[2] as Int
        }
        guard result.count > 0 else { return nil }
        try db.execute(sql: "DELETE FROM message WHERE id <= ?", arguments: [result.through])
        return result
    }

    private static func oldest(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT created FROM message ORDER BY id LIMIT 1")
            .map(Date.init(timeIntervalSince1970:))
    }
}
