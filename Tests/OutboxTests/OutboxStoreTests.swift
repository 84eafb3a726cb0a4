import Foundation
import GRDB
import Testing

@testable import Outbox

/// The SQLite outbox on real files in a temporary folder.
@Suite struct OutboxStoreTests {
    let folder: URL
    let limits = OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600))

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var path: String { folder.appendingPathComponent("state/outbox.sqlite").path }

    static func messages(_ count: Int, topic: String = "pro380/main/voltage_l1", from first: Int = 0) -> [OutboxMessage]
    {
        (first..<first + count).map {
            OutboxMessage(topic: topic, payload: Array("{\"n\": \($0)}".utf8), qos: 1, retain: true)
        }
    }

    @Test func appendedMessagesSurviveAReopenInOrderAndIdsAreNeverReused() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = try Outbox(.file(path), limits: limits)
        let first = try await outbox.append(Self.messages(3))
        #expect(first.entries.map(\.id) == [1, 2, 3])
        try await outbox.delete([3])
        await outbox.close()

        let reopened = try Outbox(.file(path), limits: limits)
        #expect(reopened.recovery == nil)
        #expect(reopened.statisticsAtOpen.count == 2)
        #expect(reopened.lastIDAtOpen == 3)
        // The newest message of the topic (3) was delivered; the head keeps it, so 1 and 2 are not the newest.
        #expect(reopened.newestAtOpen == ["pro380/main/voltage_l1": 3])
        let stored = try await reopened.read(after: 0, limit: 10)
        #expect(stored.map(\.id) == [1, 2])
        #expect(stored.map(\.message) == Array(Self.messages(3).prefix(2)))
        let next = try await reopened.append(Self.messages(1, from: 3))
        #expect(next.entries.map(\.id) == [4])
        await reopened.close()
    }

    /// Multi-row statements come in power-of-two sizes (and the largest), so a store prepares a handful of them
    /// whatever its batches' sizes: GRDB keeps every one it prepared.
    @Test func batchesSplitIntoPowerOfTwoStatements() {
        let sizes = { (count: Int, largest: Int) in OutboxStore.chunks(of: count, largest: largest).map(\.count) }
        #expect(sizes(0, 128) == [])
        #expect(sizes(1, 128) == [1])
        #expect(sizes(70, 128) == [64, 4, 2])
        #expect(sizes(128, 128) == [128])
        #expect(sizes(300, 128) == [128, 128, 32, 8, 4])
        #expect(sizes(200, 64) == [64, 64, 64, 8])
        var shapes: Set<Int> = []
        for count in 1...600 {
            let chunks = OutboxStore.chunks(of: count, largest: 128)
            let covered = chunks.flatMap { Array($0) }
            #expect(covered == Array(0..<count))
            shapes.formUnion(chunks.map(\.count))
        }
        #expect(shapes == [1, 2, 4, 8, 16, 32, 64, 128])
    }

    /// Appends and deletes of every size from 1 to 150 keep ids, order and contents.
    @Test func appendsAndDeletesOfAnySizeKeepEveryMessage() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = try Outbox(.file(path), limits: OutboxLimits(maxBytes: 1 << 28, maxAge: .seconds(3600)))
        var expected: [OutboxMessage] = []
        for count in 1...150 {
            let batch = Self.messages(count, topic: "t/\(count % 7)", from: expected.count)
            let append = try await outbox.append(batch)
            #expect(append.entries.map(\.message) == batch)
            expected += batch
        }
        var stored = try await outbox.read(after: 0, limit: 1 << 20)
        #expect(stored.map(\.message) == expected)
        #expect(stored.map(\.id) == Array(1...Int64(expected.count)))
        // Delete every third id, in batches of growing size.
        let doomed = stored.map(\.id).filter { $0 % 3 == 0 }
        var start = 0
        var size = 1
        while start < doomed.count {
            try await outbox.delete(Array(doomed[start..<min(start + size, doomed.count)]))
            start += size
            size += 1
        }
        stored = try await outbox.read(after: 0, limit: 1 << 20)
        let kept: [Int64] = (1...Int64(expected.count)).filter { $0 % 3 != 0 }
        #expect(stored.map(\.id) == kept)
        #expect(await outbox.statistics.count == expected.count - doomed.count)
        await outbox.close()
    }

    @Test func concurrentAppendsShareTransactionsAndKeepEachCallsOrder() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = try Outbox(.file(path), limits: limits)
        let results = await withTaskGroup(of: [OutboxEntry].self) { group in
            for meter in 0..<20 {
                group.addTask {
                    (try? await outbox.append(Self.messages(10, topic: "m\(meter)")).entries) ?? []
                }
            }
            return await group.reduce(into: [[OutboxEntry]]()) { $0.append($1) }
        }
        #expect(results.count == 20)
        for entries in results {
            #expect(entries.count == 10)
            #expect(entries.map(\.id) == Array(entries[0].id..<entries[0].id + 10), "one call's ids are consecutive")
            #expect(Set(entries.map(\.message.topic)).count == 1)
        }
        #expect(Set(results.flatMap { $0.map(\.id) }).count == 200)
        #expect(await outbox.statistics.count == 200)
        await outbox.close()
    }

    @Test func maxBytesDropsTheOldestAndCountsThem() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = OutboxLimits(maxBytes: 64 << 10, maxAge: .seconds(3600))
        let outbox = try Outbox(.file(path), limits: small)
        var lastDrop: Int64?
        for batch in 0..<100 {
            let append = try await outbox.append(Self.messages(50, from: batch * 50))
            lastDrop = append.droppedThrough ?? lastDrop
        }
        let statistics = await outbox.statistics
        #expect(statistics.bytes <= small.maxBytes)
        #expect(statistics.drops.maxBytes > 0)
        #expect(statistics.drops.maxBytes + statistics.count == 5000)
        let oldest = try #require(try await outbox.read(after: 0, limit: 1).first)
        #expect(oldest.id == (lastDrop ?? 0) + 1, "what is left starts right after the dropped ones")
        await outbox.close()
    }

    @Test func maxAgeDropsExpiredMessages() async throws {
        let outbox = try Outbox(.memory, limits: OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(60)))
        _ = try await outbox.append(Self.messages(5))
        #expect(try await outbox.dropExpired(now: Date().addingTimeInterval(30)) == nil)
        #expect(try await outbox.dropExpired(now: Date().addingTimeInterval(61)) == 5)
        let statistics = await outbox.statistics
        #expect(statistics.count == 0)
        #expect(statistics.bytes == 0)
        #expect(statistics.oldest == nil)
        #expect(statistics.drops.maxAge == 5)
    }

    @Test func aGarbageFileIsMovedAsideAndANewStoreStarts() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        let garbage = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let outbox = try Outbox(.file(path), limits: limits)
        let recovery = try #require(outbox.recovery)
        #expect(recovery.reason.contains("not a database"), "\(recovery)")
        #expect(FileManager.default.contents(atPath: recovery.movedTo) == garbage)
        #expect("\(recovery)".hasPrefix("the outbox \(path) is damaged"))
        #expect(try await outbox.append(Self.messages(1)).entries.count == 1)
        await outbox.close()
    }

    @Test func aTruncatedFileIsMovedAsideAndANewStoreStarts() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = try Outbox(.file(path), limits: limits)
        for batch in 0..<20 { _ = try await outbox.append(Self.messages(100, topic: "t\(batch)")) }
        await outbox.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 64 << 10)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()

        let reopened = try Outbox(.file(path), limits: limits)
        let recovery = try #require(reopened.recovery, "a truncated store must be detected")
        #expect(FileManager.default.fileExists(atPath: recovery.movedTo))
        #expect(reopened.statisticsAtOpen.count == 0)
        #expect(try await reopened.append(Self.messages(1)).entries.map(\.id) == [1])
        await reopened.close()
    }

    /// SQLite says "database or disk full" when the file hits `max_page_count`, as it does on a full disk: the
    /// batch is refused and counted, and storing works again once room is made.
    @Test func everyColumnRoundTripsThroughTheStore() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let messages = [
            OutboxMessage(topic: "a/b", payload: [], qos: 0, retain: false),
            OutboxMessage(topic: "a/\u{e9}t\u{e9}", payload: [0, 255, 1], qos: 1, retain: true),
            OutboxMessage(topic: "a/b", payload: Array("{\"v\": 1}".utf8), qos: 0, retain: true),
            OutboxMessage(
                topic: "a/availability",
                payload: Array("online".utf8),
                qos: 1,
                retain: true,
                latestOnly: true
            ),
        ]
        let outbox = try Outbox(.file(path), limits: limits)
        _ = try await outbox.append(messages)
        let bytes = messages.map(\.size).reduce(0, +)
        #expect(await outbox.statistics.bytes == bytes)
        await outbox.close()

        let reopened = try Outbox(.file(path), limits: limits)
        #expect(try await reopened.read(after: 0, limit: 10).map(\.message) == messages)
        #expect(reopened.newestAtOpen == ["a/b": 3, "a/\u{e9}t\u{e9}": 2, "a/availability": 4])
        #expect(reopened.statisticsAtOpen.bytes == bytes)
        try await reopened.delete([1, 2])
        #expect(await reopened.statistics.count == 2)
        #expect(await reopened.statistics.bytes == messages[2].size + messages[3].size)
        await reopened.close()
    }

    /// The replay skips a stored state that a newer message of its topic supersedes; the count of them says so
    /// before the replay starts (what the "replaying N messages" line leaves out), also across a reopen.
    @Test func supersededStatesAreCounted() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        func state(_ topic: String, _ text: String) -> OutboxMessage {
            OutboxMessage(topic: topic, payload: Array(text.utf8), qos: 1, retain: true, latestOnly: true)
        }
        let reading = OutboxMessage(topic: "m/voltage_l1", payload: Array("{}".utf8), qos: 1, retain: true)
        let outbox = try Outbox(.file(path), limits: limits)
        #expect(try await outbox.supersededStates() == 0)
        _ = try await outbox.append([state("m/availability", "offline"), reading, reading])
        #expect(try await outbox.supersededStates() == 0, "readings are never superseded")
        _ = try await outbox.append([state("m/availability", "online"), state("m/diagnostics", "{}")])
        _ = try await outbox.append([state("m/availability", "offline")])
        #expect(try await outbox.supersededStates() == 2)
        await outbox.close()

        let reopened = try Outbox(.file(path), limits: limits)
        #expect(try await reopened.supersededStates() == 2)
        // The newest state delivered and deleted: the older ones stay superseded by it.
        try await reopened.delete([6])
        #expect(try await reopened.supersededStates() == 2)
        await reopened.close()
    }

    /// A file written by the previous version (migration `v1` only, no `latest_only` column) opens with its
    /// messages, which read as readings (not `latestOnly`) and keep their ids and heads; new messages carry the flag.
    @Test func aVersion1FileKeepsItsMessagesAndTakesTheNewColumn() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("state"),
            withIntermediateDirectories: true
        )
        let old = [
            OutboxMessage(
                topic: "pro380/main/voltage_l1",
                payload: Array("{\"value\": 230}".utf8),
                qos: 1,
                retain: true
            ),
            OutboxMessage(topic: "pro380/main/availability", payload: Array("offline".utf8), qos: 1, retain: true),
        ]
        try Self.writeVersion1File(path, old)

        let outbox = try Outbox(.file(path), limits: limits)
        #expect(outbox.recovery == nil)
        #expect(outbox.lastIDAtOpen == 2)
        #expect(outbox.newestAtOpen == ["pro380/main/voltage_l1": 1, "pro380/main/availability": 2])
        #expect(try await outbox.read(after: 0, limit: 10).map(\.message) == old)
        let state = OutboxMessage(
            topic: "pro380/main/availability",
            payload: Array("online".utf8),
            qos: 1,
            retain: true,
            latestOnly: true
        )
        #expect(try await outbox.append([state]).entries.map(\.id) == [3])
        await outbox.close()

        let reopened = try Outbox(.file(path), limits: limits)
        #expect(try await reopened.read(after: 0, limit: 10).map(\.message) == old + [state])
        #expect(reopened.newestAtOpen["pro380/main/availability"] == 3)
        await reopened.close()
    }

    /// The store as the previous version left it: GRDB's migration `v1` (its SQL as it was), `messages` appended
    /// the way that version did, and their heads.
    static func writeVersion1File(_ path: String, _ messages: [OutboxMessage]) throws {
        let database = try DatabaseQueue(path: path)
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
        try migrator.migrate(database)
        try database.write { db in
            for message in messages {
                try db.execute(
                    sql: "INSERT INTO message (topic, payload, qos, retain, created, size) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        message.topic, Data(message.payload), message.qos, message.retain,
                        Date().timeIntervalSince1970, message.size,
                    ]
                )
                try db.execute(
                    sql: """
                        INSERT INTO head (topic, newest) VALUES (?, ?)
                        ON CONFLICT(topic) DO UPDATE SET newest = excluded.newest
                        """,
                    arguments: [message.topic, db.lastInsertedRowID]
                )
            }
        }
        try database.close()
    }

    @Test func onlyAFileOutboxKeepsMessagesForTheNextStart() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try Outbox(.file(path), limits: limits)
        let memory = try Outbox(.memory, limits: limits)
        #expect(file.isPersistent)
        #expect(!memory.isPersistent)
        await file.close()
        await memory.close()
    }

    @Test func aFullStoreRefusesAndCountsThenRecovers() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = try Outbox(.file(path), limits: limits, maxPageCount: 20)
        var failure: OutboxError?
        var stored: [Int64] = []
        for batch in 0..<200 where failure == nil {
            do {
                stored += try await outbox.append(Self.messages(20, topic: "t\(batch)")).entries.map(\.id)
            } catch {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error.isFull, "\(error)")
        #expect(await outbox.statistics.drops.writeFailed == 20)
        #expect(await outbox.statistics.count == stored.count)
        try await outbox.delete(stored)
        #expect(try await outbox.append(Self.messages(20)).entries.count == 20)
        await outbox.close()
    }

    @Test func aFolderThatCannotBeCreatedIsAClearError() {
        #expect(throws: OutboxError.self) {
            try Outbox(.file("/proc/self/no/such/outbox.sqlite"), limits: limits)
        }
    }
}
