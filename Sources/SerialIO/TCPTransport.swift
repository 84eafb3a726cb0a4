/// A TCP connection to a gateway (Modbus TCP, RTU over TCP, M-Bus or IEC over a serial server), or an accepted
/// connection from `TCPListener`.
///
/// Blocking calls run on the connection's own serial queue (see `DescriptorChannel`), never on the cooperative
/// pool. `read` throws `TransportError.timeout` when nothing arrived in time and `TransportError.closed` when the
/// peer closed or reset the connection. `reconfigure` does nothing: a TCP connection has no line settings.
package final class TCPTransport: Transport {
    private let channel: DescriptorChannel

    /// `host:port` of the peer: `127.0.0.1:502`, `[::1]:502`, `gateway.local:502`.
    package let endpoint: String

    init(channel: DescriptorChannel) {
        self.channel = channel
        self.endpoint = channel.endpoint
    }

    /// Writes all of `bytes` (it returns once the kernel has taken them).
    /// - Throws: `TransportError.closed` when the peer is gone, `TransportError.systemCall` otherwise.
    package func write(_ bytes: [UInt8]) async throws {
        try await channel.write(bytes, drain: false)
    }

    /// Reads what is available, up to `maxCount` bytes, waiting at most `timeout` for the first byte.
    /// - Throws: `TransportError.timeout`, `TransportError.closed` at end of stream or after `close()`,
    ///   `CancellationError` when the task is cancelled while waiting.
    package func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await channel.read(maxCount: maxCount, timeout: timeout)
    }

    /// Reads and drops whatever has already arrived, without waiting.
    package func discardInput() async throws {
        try await channel.discardInput(flushTerminal: false)
    }

    /// Does nothing: a TCP connection has no baud rate or parity (a serial server's own line is set up on it).
    /// - Throws: `TransportError.closed` after `close()`, like every other call.
    package func reconfigure(_ settings: LineSettings) async throws {
        if channel.isClosed { throw TransportError.closed(endpoint: endpoint) }
    }

    /// Closes the connection; a pending `read` or `write` ends with `TransportError.closed`, and so do later calls.
    package func close() async {
        await channel.close()
    }
}
