import Synchronization

/// One paced transaction as the simulated line carried it.
package struct PacedTransaction: Sendable, Equatable {
    /// When the first request byte arrived.
    package var requestArrival: ContinuousClock.Instant
    /// When the last reply byte was handed to the line.
    package var replyEnd: ContinuousClock.Instant
    /// Bytes received for this request (noise included: it occupied the line too).
    package var requestBytes: Int
    /// Reply bytes sent: 0 for a request no meter answered (its `replyEnd` is its arrival).
    package var replyBytes: Int
    /// The address the request went to (Modbus unit id, M-Bus primary address), when the server knows it.
    package var unit: UInt8?

    package init(
        requestArrival: ContinuousClock.Instant,
        replyEnd: ContinuousClock.Instant,
        requestBytes: Int,
        replyBytes: Int,
        unit: UInt8? = nil
    ) {
        self.requestArrival = requestArrival
        self.replyEnd = replyEnd
        self.requestBytes = requestBytes
        self.replyBytes = replyBytes
        self.unit = unit
    }
}

/// The transactions of a paced simulator, in order, for the benchmark's bus-busy time. Thread-safe.
package final class PacingRecorder: Sendable {
    private let entries = Mutex<[PacedTransaction]>([])

    package init() {}

    package func record(_ transaction: PacedTransaction) {
        entries.withLock { $0.append(transaction) }
    }

    /// Everything recorded so far.
    package var transactions: [PacedTransaction] { entries.withLock { $0 } }

    /// Forgets what was recorded (the benchmark's warm-up).
    package func reset() { entries.withLock { $0.removeAll() } }
}
