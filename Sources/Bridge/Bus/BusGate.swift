import Synchronization

/// Grants a half-duplex bus to one transaction at a time; commands go before polls.
///
/// Every transaction on a bus (a Modbus request/reply, an M-Bus REQ_UD2/RSP_UD, an IEC 62056-21 readout) first
/// takes the gate and gives it back when the reply is in. Waiters are served by priority, then in arrival order, so
/// a command that arrives during a poll runs at the next transaction boundary, and commands run in arrival order.
/// A waiter whose task is cancelled leaves the queue.
package final class BusGate: Sendable {
    /// Who is waiting: commands jump the poll queue.
    package enum Priority: Int, Sendable, Comparable {
        case poll = 0
        case command = 1

        package static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private struct Waiter {
        let id: UInt64
        let priority: Priority
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var busy = false
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Runs `body` while holding the bus.
    /// - Throws: `CancellationError` if the task is cancelled before it holds the bus (already cancelled, or while
    ///   waiting): a cancelled poll starts no further transaction, even on a free bus; whatever `body` throws.
    package func withTransaction<T>(
        priority: Priority,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        try await acquire(priority)
        defer { release() }
        return try await body()
    }

    private func acquire(_ priority: Priority) async throws {
        try Task.checkCancellation()
        // A free line is taken at once, without suspending (a continuation resumed at once still costs a trip
        // through the executor).
        let id: UInt64? = state.withLock { s in
            if !s.busy, s.waiters.isEmpty {
                s.busy = true
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Cancelled after the check above and before the waiter is in the list: the cancellation handler
                // found nothing to cancel, so this waiter must not go in. The flag is set before the handler runs,
                // and the handler takes the lock: checked under the lock, no cancellation falls between the two.
                let grant = state.withLock { s -> Result<Bool, CancellationError> in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !s.busy {
                        s.busy = true
                        return .success(true)
                    }
                    // Insert after every waiter of the same or higher priority: priority first, then arrival order.
                    let index = s.waiters.firstIndex { $0.priority < priority } ?? s.waiters.endIndex
                    s.waiters.insert(Waiter(id: id, priority: priority, continuation: continuation), at: index)
                    return .success(false)
                }
                switch grant {
                case .success(true): continuation.resume()
                case .success(false): break
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> Waiter? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLock { s -> Waiter? in
            if s.waiters.isEmpty {
                s.busy = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.continuation.resume()
    }

    /// How many transactions wait for the bus (for diagnostics).
    package var queueLength: Int { state.withLock { $0.waiters.count } }
}
