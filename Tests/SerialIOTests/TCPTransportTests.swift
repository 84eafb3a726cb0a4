import SerialIO
import Testing

/// Real loopback sockets: a `TCPListener` and `TCPTransport.connect` talking to each other.
@Suite struct TCPTransportTests {
    /// The loopback hosts this machine has: 127.0.0.1 always, ::1 when IPv6 is up.
    static let loopbackHosts: [String] = {
        var hosts = ["127.0.0.1"]
        if let listener = try? TCPListener(host: "::1") {
            listener.close()
            hosts.append("::1")
        }
        return hosts
    }()

    /// A listener on `host`, a client connected to it and the accepted server side.
    private func connectedPair(
        host: String = "127.0.0.1"
    ) async throws -> (listener: TCPListener, client: TCPTransport, server: TCPTransport) {
        let listener = try TCPListener(host: host, port: 0)
        async let accepted = listener.accept()
        let client = try await TCPTransport.connect(host: host, port: listener.port, timeout: .seconds(5))
        return (listener, client, try await accepted)
    }

    @Test(arguments: loopbackHosts)
    func bytesTravelBothWays(host: String) async throws {
        let (listener, client, server) = try await connectedPair(host: host)
        defer { listener.close() }
        let expected = host.contains(":") ? "[\(host)]:\(listener.port)" : "\(host):\(listener.port)"
        #expect(client.endpoint == expected)

        try await client.write([0x01, 0x03, 0x50, 0x00])
        #expect(try await server.read(maxCount: 16, timeout: .seconds(5)) == [0x01, 0x03, 0x50, 0x00])
        try await server.write(Array(0...255))
        var received: [UInt8] = []
        while received.count < 256 {
            received += try await client.read(maxCount: 300, timeout: .seconds(5))
        }
        #expect(received == Array(0...255))
        await client.close()
        await server.close()
    }

    @Test func readTimesOutWhenNothingArrives() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        await #expect(throws: TransportError.timeout(endpoint: client.endpoint)) {
            try await client.read(maxCount: 8, timeout: .milliseconds(100))
        }
        await client.close()
        await server.close()
    }

    @Test func peerCloseEndsReadsWithClosed() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        try await server.write([0x42])
        await server.close()
        #expect(try await client.read(maxCount: 8, timeout: .seconds(5)) == [0x42])
        await #expect(throws: TransportError.closed(endpoint: client.endpoint)) {
            try await client.read(maxCount: 8, timeout: .seconds(5))
        }
        await client.close()
    }

    @Test func callsAfterCloseThrowClosed() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        await client.close()
        await #expect(throws: TransportError.closed(endpoint: client.endpoint)) { try await client.write([1]) }
        await #expect(throws: TransportError.closed(endpoint: client.endpoint)) {
            try await client.read(maxCount: 1, timeout: .seconds(1))
        }
        await #expect(throws: TransportError.closed(endpoint: client.endpoint)) {
            try await client.reconfigure(LineSettings(baudRate: 9600))
        }
        await server.close()
    }

    @Test func closeWakesAPendingRead() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        let pending = Task { try await client.read(maxCount: 8, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        await client.close()
        await #expect(throws: TransportError.closed(endpoint: client.endpoint)) { try await pending.value }
        await server.close()
    }

    @Test func cancellationEndsAPendingReadAndTheConnectionStaysUsable() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        let reader = Task { try await client.read(maxCount: 8, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        try await server.write([7])
        #expect(try await client.read(maxCount: 8, timeout: .seconds(5)) == [7])
        await client.close()
        await server.close()
    }

    @Test func connectingToAClosedPortFailsQuickly() async throws {
        let listener = try TCPListener()
        let port = listener.port
        listener.close()
        await #expect {
            try await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .seconds(10))
        } throws: { error in
            guard case TransportError.connectFailed(let endpoint, let reason) = error else { return false }
            return endpoint == "127.0.0.1:\(port)" && reason.contains("refused")
        }
    }

    @Test func connectingToAnUnresolvableHostFails() async throws {
        await #expect {
            try await TCPTransport.connect(host: "no-such-host.invalid", port: 502, timeout: .seconds(5))
        } throws: { error in
            guard case TransportError.connectFailed(let endpoint, _) = error else { return false }
            return endpoint == "no-such-host.invalid:502"
        }
    }

    /// A port no TCP socket has: refused before any socket, worded as the command line and the config word it.
    @Test func connectingToAPortOutOfRangeSaysTheRange() async throws {
        for port in [0, 70000] {
            await #expect {
                try await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
            } throws: { error in
                guard case TransportError.connectFailed(_, let reason) = error else { return false }
                return reason == "the port must be 1-65535, not \(port)" && reason == TCPPort.problem(port)
            }
        }
        #expect(TCPPort.problem("99999999999999999999") == "the port must be 1-65535, not 99999999999999999999")
        #expect(TCPPort.problem(0, allowingAnyPort: true) == nil && TCPPort.problem(65535) == nil)
        #expect(
            TCPPort.problem(65536, allowingAnyPort: true) == "the port must be 0-65535 (0 picks a free one), not 65536"
        )
    }

    @Test func discardInputDropsStaleBytes() async throws {
        let (listener, client, server) = try await connectedPair()
        defer { listener.close() }
        try await server.write(Array("stale reply".utf8))
        // One byte proves the stale reply has arrived; discardInput must drop the rest.
        #expect(try await client.read(maxCount: 1, timeout: .seconds(5)) == Array("s".utf8))
        try await client.discardInput()
        try await server.write(Array("fresh".utf8))
        #expect(try await client.read(maxCount: 64, timeout: .seconds(5)) == Array("fresh".utf8))
        try await client.reconfigure(LineSettings(baudRate: 2400))
        await client.close()
        await server.close()
    }

    @Test func closingTheListenerEndsAPendingAccept() async throws {
        let listener = try TCPListener()
        let accepted = Task { try await listener.accept() }
        try await Task.sleep(for: .milliseconds(50))
        listener.close()
        await #expect(throws: TransportError.closed(endpoint: listener.endpoint)) { _ = try await accepted.value }
        await #expect(throws: TransportError.closed(endpoint: listener.endpoint)) { _ = try await listener.accept() }
    }

    /// The simulator's shape: the listener is closed from the accepting task's cancellation handler.
    @Test func closingTheListenerFromACancellationHandlerEndsAccept() async throws {
        let listener = try TCPListener()
        let server = Task {
            try await withTaskCancellationHandler {
                try await listener.accept()
            } onCancel: {
                listener.close()
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        server.cancel()
        // Closed or cancelled, whichever the accept saw first; what matters is that it ends, without deadlock.
        await #expect {
            _ = try await server.value
        } throws: { error in
            error is CancellationError || error as? TransportError == .closed(endpoint: listener.endpoint)
        }
        await #expect {
            try await TCPTransport.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(5))
        } throws: { error in
            if case TransportError.connectFailed = error { return true }
            return false
        }
    }
}
