package import Logging
package import SerialIO

/// A protocol client that a `BusLine` owns: Modbus, M-Bus and IEC 62056-21 each conform once.
///
/// The clients are plain classes, not `Sendable`: a client is made by its line on a freshly opened transport,
/// used only inside the line's transactions (its async methods run on the line's executor), and dropped with its
/// transport. What differs per protocol is only here: how a client is made, which failures leave the line out of
/// step (the transport is closed and reopened before the next transaction), how a failure counts in the
/// diagnostics, and the wire-level recoveries the client saw.
package protocol BusClient: AnyObject {
    /// What the client needs besides its transport (framing, timeouts), fixed for the bus.
    associatedtype Configuration: Sendable

    /// A client on a freshly opened `transport` whose serial settings are `line` (`nil` on TCP).
    static func make(
        transport: any Transport,
        line: LineSettings?,
        configuration: Configuration,
        logger: Logger
    ) -> Self

    /// The transport under the client; the line closes it.
    var transport: any Transport { get }

    /// Takes note that the transport now runs at `line` (after a baud-rate or parity change).
    func lineChanged(to line: LineSettings)

    /// The frames the client dropped and recovered from so far (cumulative).
    var recoveries: WireRecoveries { get }

    /// Whether `error` leaves the line out of step, so the transport is reopened before the next transaction.
    static func leavesLineOutOfStep(_ error: any Error) -> Bool

    /// How a failed transaction counts in the diagnostics.
    static func failureKind(_ error: any Error) -> TransactionFailure
}

/// How a failed transaction counts.
package enum TransactionFailure: Sendable, Equatable {
    /// No (complete) reply in time.
    case timeout
    /// A reply that failed its checks: checksum, length, address, a garbled collision, a malformed message.
    case protocolError
    /// The device answered with a refusal (a Modbus exception).
    case exception
    /// The transport failed or the task was cancelled: counted as a transport drop where the line reopens.
    case notCounted
}

/// Frames a client dropped on the way to a valid reply; every figure only grows.
package struct WireRecoveries: Sendable, Equatable {
    /// Candidate frames whose CRC, checksum or BCC did not match.
    package var checksumErrors = 0
    /// Bytes skipped while looking for a reply: line noise, bad frames, replies to other requests.
    package var strayBytes = 0
    /// Echoes of our own requests (two-wire RS-485 adapters without echo suppression).
    package var echoes = 0
    /// Valid frames that belonged to another request: wrong unit, stale transaction id, other function.
    package var mismatches = 0

    package init(checksumErrors: Int = 0, strayBytes: Int = 0, echoes: Int = 0, mismatches: Int = 0) {
        self.checksumErrors = checksumErrors
        self.strayBytes = strayBytes
        self.echoes = echoes
        self.mismatches = mismatches
    }

    package static func + (a: Self, b: Self) -> Self {
        Self(
            checksumErrors: a.checksumErrors + b.checksumErrors,
            strayBytes: a.strayBytes + b.strayBytes,
            echoes: a.echoes + b.echoes,
            mismatches: a.mismatches + b.mismatches
        )
    }

    package static func - (a: Self, b: Self) -> Self {
        Self(
            checksumErrors: a.checksumErrors - b.checksumErrors,
            strayBytes: a.strayBytes - b.strayBytes,
            echoes: a.echoes - b.echoes,
            mismatches: a.mismatches - b.mismatches
        )
    }
}
