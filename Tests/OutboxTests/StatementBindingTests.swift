import GRDB
import Testing

@testable import Outbox

/// The store's direct binding against a real in-memory SQLite: values go in as bound, and a count of values that
/// does not match the statement's parameters is an error before anything runs (GRDB's argument check did that).
@Suite struct StatementBindingTests {
    func withTable(_ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(
                sql: "CREATE TABLE t (a TEXT NOT NULL, b BLOB NOT NULL, c INTEGER NOT NULL, d REAL NOT NULL)"
            )
            try body(db)
        }
    }

    @Test func boundValuesAreStoredAsTheirTypes() throws {
        try withTable { db in
            var binding = StatementBinding(try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?)"))
            binding.bind("")
            binding.bind([UInt8]())
            binding.bind(Int64(-7))
            binding.bind(2.5)
            try binding.execute(in: db)
            let row = try #require(try Row.fetchOne(db, sql: "SELECT a, typeof(b), length(b), c, d FROM t"))
            #expect(row[0] as String == "")
            #expect(row[1] as String == "blob")
            #expect(row[2] as Int == 0)
            #expect(row[3] as Int64 == -7)
            #expect(row[4] as Double == 2.5)
        }
    }

    @Test func tooFewOrTooManyValuesAreAnErrorAndNothingIsStored() throws {
        try withTable { db in
            let sql = "INSERT INTO t VALUES (?, ?, ?, ?)"
            var short = StatementBinding(try db.cachedStatement(sql: sql))
            short.bind("x")
            #expect(throws: DatabaseError.self) { try short.execute(in: db) }
            var long = StatementBinding(try db.cachedStatement(sql: sql))
            long.bind("x")
            long.bind([1])
            long.bind(Int64(1))
            long.bind(1.0)
            long.bind(Int64(5))
            #expect(throws: DatabaseError.self) { try long.execute(in: db) }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 0)
            // The cached statement is usable again afterwards.
            var again = StatementBinding(try db.cachedStatement(sql: sql))
            again.bind("y")
            again.bind([2])
            again.bind(Int64(2))
            again.bind(2.0)
            try again.execute(in: db)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 1)
        }
    }
}
