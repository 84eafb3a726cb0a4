/// A byte pipe to one bus: a serial line or a TCP connection to a gateway.
///
/// Purpose: protocol clients (Modbus, M-Bus, IEC 62056-21) speak to a bus only through this protocol, so the
/// same client runs over a serial port, a pseudo-terminal or a TCP gateway, and tests can give it a real pty or
/// socket pair with a scripted peer.
///
/// Using: a transport only moves bytes. It never interprets them and never retries. Exactly one owner (the bus
/// actor) uses a transport at a time; the methods are `async` because the blocking system calls behind them run on
/// the transport's own thread, never on Swift's cooperative pool.
package protocol Transport: AnyObject, Sendable {
    /// A human-readable name of the endpoint for logs and errors: `/dev/ttyUSB0` or `127.0.0.1:502`.
    var endpoint: String { get }

    /// Writes all of `bytes` and returns once the kernel has taken them (for a serial line: once they have been
    /// transmitted, `tcdrain`).
    /// - Throws: `TransportError` when the device or connection fails.
    func write(_ bytes: [UInt8]) async throws

    /// Reads whatever is available, up to `maxCount` bytes, waiting at most `timeout` for the first byte.
    /// - Returns: one or more bytes.
    /// - Throws: `TransportError.timeout` when no byte arrived in time, `TransportError.closed` at end of stream.
    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8]

    /// Drops every byte already received and not yet read (stale replies, echoes, line noise).
    func discardInput() async throws

    /// Changes the line settings (baud rate, parity) of a serial line; a TCP transport ignores it.
    /// Used by M-Bus and IEC 62056-21 speed switches and after a baud-rate or parity write.
    func reconfigure(_ settings: LineSettings) async throws

    /// Closes the device or connection. Further calls throw `TransportError.closed`.
    func close() async
}

/// Serial line settings: baud rate, data bits, parity and stop bits.
package struct LineSettings: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Parity of a serial character.
    package enum Parity: String, Sendable, Equatable, Hashable, CaseIterable {
        case none, even, odd
    }

    package var baudRate: Int
    package var dataBits: Int
    package var parity: Parity
    package var stopBits: Int

    package init(baudRate: Int, dataBits: Int = 8, parity: Parity = .even, stopBits: Int = 1) {
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
    }

    /// Bits on the wire per character: start bit + data bits + parity bit + stop bits (11 for 8E1, 10 for 7E1).
    package var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// Time to transmit `count` characters at this line speed.
    package func transmissionTime(characters count: Int) -> Duration {
        .microseconds(Int64(count * bitsPerCharacter) * 1_000_000 / Int64(max(baudRate, 1)))
    }

    /// `9600 8E1`.
    package var description: String {
        let p: String
        switch parity {
        case .none: p = "N"
        case .even: p = "E"
        case .odd: p = "O"
        }
        return "\(baudRate) \(dataBits)\(p)\(stopBits)"
    }
}
