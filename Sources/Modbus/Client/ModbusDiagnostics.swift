/// Counters of one client's line, for logs, `scan` and the bridge's diagnostics topic.
///
/// Every counter only grows; read it before and after to get per-poll figures.
package struct ModbusDiagnostics: Sendable, Equatable {
    /// Requests sent (broadcasts included).
    package var transactions = 0
    /// Transactions that ended without a valid reply in time.
    package var timeouts = 0
    /// Candidate RTU frames whose CRC did not match.
    package var crcErrors = 0
    /// Exception responses received (device answers).
    package var exceptions = 0
    /// Bytes skipped while looking for a reply: line noise, frames with a bad CRC, replies to other requests.
    package var strayBytes = 0
    /// Echoes of our own requests received (skipped with `expectEcho`, an error without).
    package var echoes = 0
    /// Valid frames that did not belong to the request: wrong unit, stale transaction id, wrong function or
    /// quantity, unconfirmed writes.
    package var mismatches = 0
    /// Time from the end of the last request to its valid reply.
    package var lastRoundTrip: Duration?

    package init() {}
}
