import Modbus

/// The counters of a listen-only bus, published in `buses.<name>` of the bridge's diagnostics (docs/diagnostics.md).
struct ListenCounters: Sendable {
    /// Bytes heard.
    var bytes = 0
    /// Times the device could not be opened or went away.
    var lineFailures = 0
    /// Frames and pairs for units no configured meter has (other devices on the line).
    var otherUnits = 0
    /// Writes (06, 16) the master made and a meter confirmed.
    var writesSeen = 0
    /// The framing's counters.
    var decoder = RTUListenCounters()

    /// `{"mode": "listen_only", "listening": true, "frames": …}`; `transmitted_bytes` is always 0 (the port is
    /// read-only), stated so a reader of the diagnostics need not know that.
    func json(listening: Bool) -> String {
        let fields: [(String, String)] = [
            ("mode", "\"listen_only\""),
            ("listening", listening ? "true" : "false"),
            ("bytes", "\(bytes)"),
            ("frames", "\(decoder.frames)"),
            ("exchanges", "\(decoder.exchanges)"),
            ("unanswered", "\(decoder.unanswered)"),
            ("unpaired_replies", "\(decoder.unpairedResponses)"),
            ("crc_errors", "\(decoder.crcErrors)"),
            ("stray_bytes", "\(decoder.skippedBytes)"),
            ("writes_seen", "\(writesSeen)"),
            ("other_units", "\(otherUnits)"),
            ("line_failures", "\(lineFailures)"),
            ("transmitted_bytes", "0"),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}
