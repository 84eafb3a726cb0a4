import Dispatch
package import Foundation
import GRDB

/// The durable queue between the pollers and the MQTT client: messages are appended in one SQLite transaction per
/// burst and deleted once the broker acknowledged them; the oldest are dropped (and counted) when a bound is hit.
///
/// Group commit: appends that arrive while a transaction is being written wait and go together into the next one,
/// so many meters polled at once cost one transaction, not one each. `append` returns once its messages are
/// committed, with their ids.
///
/// Threads: SQLite runs on the outbox's own serial dispatch queue (and GRDB's), never on Swift's cooperative pool;
/// calls are not cancelled with the calling task, so a shutdown can still store the last messages.
package actor Outbox {
    /// Where the messages live.
    package enum Location: Sendable, Equatable {
        /// A SQLite file in WAL mode.
        case file(String)
        /// An in-memory SQLite database: same behaviour, lost when the process ends.
        case memory
    }

    /// Messages dropped since start, by cause.
    package struct Drops: Sendable, Equatable {
        /// Over `max_bytes`.
        package var maxBytes = 0
        /// Over `max_age`.
        package var maxAge = 0
        /// Could not be stored (disk full, I/O error).
        package var writeFailed = 0

        package init() {}

        package var total: Int { maxBytes + maxAge + writeFailed }
    }

    /// What the outbox holds now.
    package struct Statistics: Sendable, Equatable {
        package var count: Int
        package var bytes: Int
        package var oldest: Date?
        package var drops: Drops

        package init(count: Int, bytes: Int, oldest: Date?, drops: Drops) {
            self.count = count
            self.bytes = bytes
            self.oldest = oldest
            self.drops = drops
        }
    }

    /// The store's path (`:memory:` in memory).
    package nonisolated let path: String
    /// Whether what the outbox holds outlives the process (a file, not memory).
    package nonisolated var isPersistent: Bool { path != ":memory:" }
    /// Set when a damaged file was moved aside at open.
    package nonisolated let recovery: OutboxRecovery?
    /// The newest id per topic at open (messages still waiting), for `DrainPlan`.
    package nonisolated let newestAtOpen: [String: Int64]
    /// The highest id used when the outbox was opened, for `DrainPlan`.
    package nonisolated let lastIDAtOpen: Int64
    /// What the outbox held when it was opened.
    package nonisolated let statisticsAtOpen: Statistics
    private let store: OutboxStore
    private let queue = DispatchQueue(label: "pro380-mqtt.outbox")
    private var budget: OutboxBudget
    package private(set) var drops = Drops()
    /// The highest id used so far.
    package private(set) var lastID: Int64

    private struct Pending {
        var ticket: Int
        var messages: [OutboxMessage]
    }
    private var pending: [Pending] = []
    private var waiters: [Int: CheckedContinuation<OutboxAppend, any Error>] = [:]
    private var nextTicket = 0
    private var writing = false

    /// Opens (or creates) the outbox.
    /// - Parameters:
    ///   - maxPageCount: a hard cap on the file in SQLite pages (4 KiB); tests use it to make the store "full".
    /// - Throws: `OutboxError.cannotOpen` when a file store cannot be created or opened (a damaged file is moved
    ///   aside instead, see `recovery`).
    package init(
        _ location: Location,
        limits: OutboxLimits,
        synchronous: OutboxSynchronous = .full,
        maxPageCount: Int? = nil
    ) throws(OutboxError) {
        let store: OutboxStore
        switch location {
        case .file(let path):
            (store, recovery) = try OutboxStore.openRecovering(
                path: path,
                synchronous: synchronous,
                maxPageCount: maxPageCount
            )
        case .memory:
            do {
                store = try OutboxStore(path: nil, synchronous: synchronous, maxPageCount: maxPageCount)
            } catch {
                throw .cannotOpen(path: ":memory:", reason: OutboxStore.describe(error))
            }
            recovery = nil
        }
        let snapshot: OutboxSnapshot
        do {
            snapshot = try store.snapshot()
        } catch {
            throw .cannotOpen(path: store.path, reason: OutboxStore.describe(error))
        }
        self.store = store
        path = store.path
        newestAtOpen = snapshot.newest
        lastID = snapshot.lastID
        lastIDAtOpen = snapshot.lastID
        statisticsAtOpen = Statistics(
            count: snapshot.count,
            bytes: snapshot.bytes,
            oldest: snapshot.oldest,
            drops: Drops()
        )
        budget = OutboxBudget(limits: limits, count: snapshot.count, bytes: snapshot.bytes, oldest: snapshot.oldest)
    }

    /// What the outbox holds and has dropped.
    package var statistics: Statistics {
        Statistics(count: budget.count, bytes: budget.bytes, oldest: budget.oldest, drops: drops)
    }

    /// Stores `messages` (with the messages of concurrent calls, in one transaction), dropping the oldest stored
    /// messages if a bound is hit.
    /// - Returns: the stored entries in order, and the highest id a bound dropped (every id up to it is gone).
    /// - Throws: `OutboxError.full` or `.storeFailed`; the messages are then counted as dropped (`writeFailed`).
    package func append(_ messages: [OutboxMessage]) async throws(OutboxError) -> OutboxAppend {
        guard !messages.isEmpty else { return OutboxAppend(entries: [], droppedThrough: nil) }
        let ticket = nextTicket
        nextTicket += 1
        pending.append(Pending(ticket: ticket, messages: messages))
        if writing {
            do {
                return try await withCheckedThrowingContinuation { waiters[ticket] = $0 }
            } catch let error as OutboxError {
                throw error
            } catch {
                throw .storeFailed(path: path, reason: "\(error)")
            }
        }
        writing = true
        defer { writing = false }
        var mine: Result<OutboxAppend, OutboxError>?
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let result = await commit(batch.flatMap(\.messages))
            var offset = 0
            for item in batch {
                let own = result.map { append in
                    OutboxAppend(
                        entries: Array(append.entries[offset..<offset + item.messages.count]),
                        droppedThrough: append.droppedThrough
                    )
                }
                offset += item.messages.count
                if item.ticket == ticket {
                    mine = own
                } else {
                    waiters.removeValue(forKey: item.ticket)?.resume(with: own.mapError { $0 as any Error })
                }
            }
        }
        return try mine!.get()
    }

    /// Takes `count` messages of a failed `append` (counted in `drops.writeFailed`) off the drops: the caller
    /// delivered them another way after all (QoS 0 readings handed straight to a connected broker while the disk is
    /// full), so they were not lost.
    package func deliveredDespiteFailedAppend(_ count: Int) {
        drops.writeFailed -= min(max(0, count), drops.writeFailed)
    }

    /// Forgets the messages `ids` (acknowledged by the broker, or refused by it for good).
    /// - Throws: `OutboxError`; the messages then stay and are sent again after a restart.
    package func delete(_ ids: [Int64]) async throws(OutboxError) {
        guard !ids.isEmpty else { return }
        let (count, bytes, oldest) = try await run { [store] in try store.delete(ids) }
        budget.count -= count
        budget.bytes -= bytes
        budget.oldest = oldest
    }

    /// The stored messages with `after < id < before`, oldest first, at most `limit`.
    package func read(after: Int64, before: Int64 = .max, limit: Int) async throws(OutboxError) -> [OutboxEntry] {
        try await run { [store] in try store.read(after: after, before: before, limit: limit) }
    }

    /// How many stored state messages a newer message of their topic supersedes (the replay skips them).
    /// - Throws: `OutboxError` when the store cannot be read.
    package func supersededStates() async throws(OutboxError) -> Int {
        try await run { [store] in try store.supersededStates() }
    }

    /// Drops the messages older than `max_age` now (an append does it too; this is for a quiet outbox).
    /// - Returns: the highest id dropped, if any.
    package func dropExpired(now: Date = Date()) async throws(OutboxError) -> Int64? {
        guard let trim = budget.trim(now: now), trim.olderThan != nil else { return nil }
        let (result, oldest) = try await run { [store] in
            try store.trim(OutboxTrim(olderThan: trim.olderThan, bytesToFree: 0))
        }
        account(result, oldest: oldest)
        return result?.through
    }

    /// Closes the SQLite connection (a WAL file is checkpointed and removed). Further calls fail.
    package func close() async {
        try? await run { [store] in try store.close() }
    }

    private func commit(_ messages: [OutboxMessage]) async -> Result<OutboxAppend, OutboxError> {
        let now = Date()
        let incoming = messages.reduce(0) { $0 + $1.size }
        let trim = budget.trim(now: now, incoming: incoming)
        do {
            let result = try await run { [store] in try store.append(messages, at: now, trim: trim) }
            budget.count += messages.count
            budget.bytes += incoming
            if budget.oldest == nil { budget.oldest = now }
            account(result.trimmed, oldest: result.trimmed == nil ? budget.oldest : result.oldest)
            lastID = max(lastID, result.entries.last?.id ?? lastID)
            return .success(OutboxAppend(entries: result.entries, droppedThrough: result.trimmed?.through))
        } catch {
            drops.writeFailed += messages.count
            return .failure(error)
        }
    }

    private func account(_ trimmed: OutboxTrimResult?, oldest: Date?) {
        guard let trimmed else { return }
        budget.count -= trimmed.count
        budget.bytes -= trimmed.bytes
        budget.oldest = oldest
        drops.maxAge += trimmed.expired
        drops.maxBytes += trimmed.overBytes
    }

    /// Runs `work` on the outbox's queue; SQLite errors become `OutboxError`.
    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws(OutboxError) -> T {
        let path = self.path
        let result: Result<T, OutboxError> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: .success(try work()))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
                    continuation.resume(returning: .failure(.full(path: path)))
                } catch {
                    continuation.resume(
                        returning: .failure(.storeFailed(path: path, reason: OutboxStore.describe(error)))
                    )
                }
            }
        }
        return try result.get()
    }
}

/// The result of `Outbox.append`.
package struct OutboxAppend: Sendable {
    /// The stored messages with their ids, in order.
    package var entries: [OutboxEntry]
    /// Set when a bound dropped messages: every id up to this one is gone.
    package var droppedThrough: Int64?
}
