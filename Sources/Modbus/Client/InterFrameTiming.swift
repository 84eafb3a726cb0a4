package import SerialIO

/// The RTU inter-frame silence: 3.5 character times at the line speed, fixed at 1.75 ms above 19200 baud.
///
/// Source: Modbus over Serial Line V1.02, 2.5.1.1 ("t3.5") and the note on baud rates greater than 19200.
package enum InterFrameTiming {
    /// The silence before a request on a line with `settings`; zero for TCP (`nil`).
    package static func silence(for settings: LineSettings?) -> Duration {
        guard let settings else { return .zero }
        if settings.baudRate > 19_200 { return .microseconds(1750) }
        // 3.5 characters = 7 half characters.
        return .microseconds(Int64(7 * settings.bitsPerCharacter) * 1_000_000 / Int64(2 * max(settings.baudRate, 1)))
    }

    /// The quiet time after which a listener (which never transmits) reports a silence on a line with `settings`:
    /// t3.5, but at least 20 ms. USB serial adapters hand bytes to the host in bursts (an FTDI chip's latency timer
    /// is 16 ms by default), so a shorter gap seen by the host is not a gap on the wire; a missed silence costs
    /// nothing, because the listener also frames by length.
    package static func listenerSilence(for settings: LineSettings) -> Duration {
        max(silence(for: settings), .milliseconds(20))
    }
}
