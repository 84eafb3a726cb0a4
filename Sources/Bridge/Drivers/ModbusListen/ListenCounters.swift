package import Modbus

/// What only a listen-only bus has to count, published as the `listen` member of its object in `buses.<name>` of
/// the bridge's diagnostics (docs/diagnostics.md). The figures every bus has (requests heard as `transactions`,
/// unanswered ones as `timeouts`, `exceptions`, CRC failures as `checksum_errors`, `stray_bytes`, opens and drops
/// of the device) are in `BusDiagnostics` itself, under the same keys as for a polled bus.
package struct ListenCounters: Sendable, Equatable {
    /// Whether the device is open and being heard now.
    package var listening = false
    /// Bytes heard.
    package var bytes = 0
    /// Frames and pairs for units no configured meter has (other devices on the line).
    package var otherUnits = 0
    /// Writes (06, 16) the master made and a configured meter confirmed.
    package var writesSeen = 0
    /// Register-table rows (keys) heard at least once, over the bus's meters: the registers the master covers.
    package var registersCovered = 0
    /// The framing's counters.
    package var decoder = RTUListenCounters()

    package init() {}

    /// `{"mode": "listen_only", "listening": true, "bytes": …}`; `transmitted_bytes` is always 0 (the port is
    /// read-only), stated so a reader of the diagnostics need not know that.
    var json: JSONValue {
        .object([
            ("mode", "listen_only"),
            ("listening", .bool(listening)),
            ("bytes", .integer(bytes)),
            ("frames", .integer(decoder.frames)),
            ("exchanges", .integer(decoder.exchanges)),
            ("unanswered", .integer(decoder.unanswered)),
            ("unpaired_replies", .integer(decoder.unpairedResponses)),
            ("writes_seen", .integer(writesSeen)),
            ("other_units", .integer(otherUnits)),
            ("registers_covered", .integer(registersCovered)),
            ("transmitted_bytes", 0),
        ])
    }
}
