import SerialIO
import Testing

/// The calls that run at once on the caller's thread (a write the kernel has room for, bytes already received,
/// discarding input) and their hand-over to the channel's queue when they would block or another call is pending:
/// real loopback sockets.
@Suite struct ImmediateCallTests {
    private func connectedPair() async throws -> (listener: TCPListener, client: TCPTransport, server: TCPTransport) {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        async let accepted = listener.accept()
        let client = try await TCPTransport.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(5))
        return (listener, client, try await accepted)
    }

    /// More than the kernel's socket buffers hold while the peer reads nothing: the part that fits is written at
    /// once, the rest waits on the channel's queue for room, and every byte arrives in order.
    @Test func aWriteLargerThanTheSocketBufferArrivesWhole() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        let writer = Task { try await client.write(payload) }
        var received: [UInt8] = []
        received.reserveCapacity(payload.count)
        while received.count < payload.count {
            received += try await server.read(maxCount: 1 << 16, timeout: .seconds(10))
        }
        try await writer.value
        #expect(received == payload)
        await client.close()
        await server.close()
    }

    /// A write submitted while a read waits on the queue goes through the queue behind it (calls keep their
    /// order, as a half-duplex line needs): it is not lost, and the read still ends by its own timeout.
    @Test func aWriteBehindAPendingReadIsNotLost() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        let reader = Task {
            _ = await #expect(throws: TransportError.timeout(endpoint: client.endpoint)) {
                _ = try await client.read(maxCount: 8, timeout: .milliseconds(300))
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        try await client.write([0x11, 0x22])
        await reader.value
        #expect(try await server.read(maxCount: 8, timeout: .seconds(5)) == [0x11, 0x22])
        await client.close()
        await server.close()
    }

    /// Bytes that are already there are returned, and a cancelled task touches nothing: its write sends no byte.
    @Test func aCancelledTaskWritesNothing() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        try await server.write([1, 2, 3])
        var early: [UInt8] = []
        while early.count < 3 { early += try await client.read(maxCount: 8, timeout: .seconds(5)) }
        #expect(early == [1, 2, 3])

        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await client.write([0xEE])
        }
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        try await client.write([0x42])
        #expect(try await server.read(maxCount: 8, timeout: .seconds(5)) == [0x42])
        await client.close()
        await server.close()
    }
}
