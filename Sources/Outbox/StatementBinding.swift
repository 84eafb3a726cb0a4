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
    /// The first bind SQLite refused (a parameter number past the statement's, a value too big), thrown by `execute`.
    private var refusedBind: (parameter: Int32, code: Int32)?

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
                    check(
                        sqlite3_bind_text(
                            statement.sqliteStatement,
                            parameter,
                            start,
                            Int32(characters.count),
                            Self.transient
                        )
                    )
                } else {
                    // An empty text has no buffer: TEXT '' from a literal, not NULL.
                    check(sqlite3_bind_text(statement.sqliteStatement, parameter, "", 0, Self.transient))
                }
            }
        }
        parameter += 1
    }

    /// Binds `bytes` as a BLOB (an empty one too, never NULL).
    mutating func bind(_ bytes: [UInt8]) {
        if bytes.isEmpty {
            check(sqlite3_bind_zeroblob(statement.sqliteStatement, parameter, 0))
        } else {
            bytes.withUnsafeBytes { buffer in
                check(
                    sqlite3_bind_blob(
                        statement.sqliteStatement,
                        parameter,
                        buffer.baseAddress,
                        Int32(buffer.count),
                        Self.transient
                    )
                )
            }
        }
        parameter += 1
    }

    /// Binds `value` as an INTEGER.
    mutating func bind(_ value: Int64) {
        check(sqlite3_bind_int64(statement.sqliteStatement, parameter, value))
        parameter += 1
    }

    /// Binds `value` as a REAL.
    mutating func bind(_ value: Double) {
        check(sqlite3_bind_double(statement.sqliteStatement, parameter, value))
        parameter += 1
    }

    /// Keeps the first refused bind of the current parameter for `execute` to throw.
    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK, refusedBind == nil { refusedBind = (parameter, code) }
    }

    /// Runs the statement to its end, handing each row it returns (`RETURNING`) to `eachRow` as SQLite's statement,
    /// to read its columns with `sqlite3_column_*` (numbered from 0).
    /// - Throws: `DatabaseError` with SQLite's result code and message: a refused bind (nothing runs: a parameter
    ///   count that does not match the SQL is caught here, as GRDB's argument check would), or a failed step (disk
    ///   full, constraint, ...; the statement is reset first, so its next use starts clean). The caller's
    ///   transaction is rolled back by GRDB's `write`.
    func execute(in db: Database, eachRow: (SQLiteStatement) -> Void = { _ in }) throws {
        let raw = statement.sqliteStatement
        if let refusedBind {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: refusedBind.code),
                message:
                    "binding parameter \(refusedBind.parameter): \(String(cString: sqlite3_errstr(refusedBind.code)))",
                sql: statement.sql
            )
        }
        guard parameter - 1 == sqlite3_bind_parameter_count(raw) else {
            throw DatabaseError(
                resultCode: .SQLITE_RANGE,
                message: "\(parameter - 1) values bound to \(sqlite3_bind_parameter_count(raw)) parameters",
                sql: statement.sql
            )
        }
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
