import GRDB
import GRDBSQLite

/// Binds the parameters of one of the store's cached multi-row statements straight through SQLite's C API, in
/// parameter order, and runs it.
///
/// Why not GRDB's `StatementArguments`: it turns every value into a `DatabaseValue` through a generic initialiser
/// that is not specialised across modules, each payload is first copied into a `Data`, and `setUncheckedArguments`
/// walks the statement's table of parameter names; for a poll's INSERT of about 420 values that came to 4-5 % of the
/// bridge's CPU at 1000 meters (docs/performance.md, "1000 meters"). GRDB still prepares, caches and finalizes the
/// statement and runs the transaction around it. What GRDB does around its own executions is not needed here: the
/// store registers no transaction observers and no region tracking, and a failure resets the statement (below), so
/// the cache keeps a usable statement. Source: https://www.sqlite.org/c3ref/bind_blob.html (parameters are numbered
/// from 1; `SQLITE_TRANSIENT` makes SQLite copy the bytes before the call returns).
struct StatementBinding {
    private let statement: Statement
    private var parameter: Int32 = 1

    /// Starts binding `statement` afresh: resets it (an earlier failure included) and clears its bindings.
    init(_ statement: Statement) {
        self.statement = statement
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies text and blobs at once, so Swift's buffers need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `text` as TEXT (UTF-8).
    mutating func bind(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                if let start = characters.baseAddress {
                    _ = sqlite3_bind_text(
                        statement.sqliteStatement,
                        parameter,
                        start,
                        Int32(characters.count),
                        Self.transient
                    )
                } else {
                    // An empty text has no buffer: TEXT '' from a literal, not NULL.
                    _ = sqlite3_bind_text(statement.sqliteStatement, parameter, "", 0, Self.transient)
                }
            }
        }
        parameter += 1
    }

    /// Binds `bytes` as a BLOB (an empty one too, never NULL).
    mutating func bind(_ bytes: [UInt8]) {
        if bytes.isEmpty {
            sqlite3_bind_zeroblob(statement.sqliteStatement, parameter, 0)
        } else {
            bytes.withUnsafeBytes { buffer in
                _ = sqlite3_bind_blob(
                    statement.sqliteStatement,
                    parameter,
                    buffer.baseAddress,
                    Int32(buffer.count),
                    Self.transient
                )
            }
        }
        parameter += 1
    }

    /// Binds `value` as an INTEGER.
    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(statement.sqliteStatement, parameter, value)
        parameter += 1
    }

    /// Binds `value` as a REAL.
    mutating func bind(_ value: Double) {
        sqlite3_bind_double(statement.sqliteStatement, parameter, value)
        parameter += 1
    }

    /// Runs the statement to its end, handing each row it returns (`RETURNING`) to `eachRow` as SQLite's statement,
    /// to read its columns with `sqlite3_column_*` (numbered from 0).
    /// - Throws: `DatabaseError` with SQLite's result code and message (disk full, constraint, ...); the statement
    ///   is reset first, so its next use starts clean. The caller's transaction is rolled back by GRDB's `write`.
    func execute(in db: Database, eachRow: (SQLiteStatement) -> Void = { _ in }) throws {
        let raw = statement.sqliteStatement
        while true {
            switch sqlite3_step(raw) {
            case SQLITE_DONE: return
            case SQLITE_ROW: eachRow(raw)
            case let code:
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(raw)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }
}
