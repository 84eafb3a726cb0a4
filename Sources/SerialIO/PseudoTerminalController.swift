/// The controlling side of a `PseudoTerminal` as a `Transport`: what a simulator or test peer serves on.
///
/// Writes are not drained (a pty has no line to wait for) and `reconfigure` does nothing: the line settings of a
/// pty pair are the subordinate side's, set by the `SerialPort` that opened it.
final class PseudoTerminalController: Transport {
    private let channel: DescriptorChannel

    var endpoint: String { channel.endpoint }

    init(channel: DescriptorChannel) {
        self.channel = channel
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.write(bytes, drain: false)
    }

    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await channel.read(maxCount: maxCount, timeout: timeout)
    }

    func discardInput() async throws {
        try await channel.discardInput(flushTerminal: true)
    }

    /// Does nothing: the controller has no line; the subordinate side's settings are the `SerialPort`'s.
    func reconfigure(_ settings: LineSettings) async throws {
        if channel.isClosed { throw TransportError.closed(endpoint: endpoint) }
    }

    func close() async {
        await channel.close()
    }
}
