import Logging
import Modbus
import SerialIO
import Synchronization
import TestSupport
import Testing

@testable import Bridge

#if canImport(Glibc)
import Glibc
#endif

/// The bus owner: one queue per bus, transactions counted by the line, the open back-off.
@Suite struct BusLineTests {
    static let configuration = ModbusClient.Configuration(
        framing: .rtu,
        timeout: .seconds(5),
        requestGap: .zero,
        expectEcho: false
    )

    /// A line whose transport is the client end of a fresh socketpair; the peer end answers each read of
    /// `address` with the registers `[address, address]`.
    static func lineWithPeer(requests: Int) -> (BusLine<ModbusClient>, Task<Void, any Error>) {
        let (clientEnd, peerEnd) = SocketPairTransport.makePair()
        let line = BusLine<ModbusClient>(
            endpoint: "socketpair",
            settings: LineSettings(baudRate: 115_200),
            configuration: configuration,
            logger: Logger(label: "bus-line-test"),
            open: { _ in clientEnd }
        )
        let peer = Task {
            var decoder = RTURequestDecoder()
            var answered = 0
            while answered < requests {
                guard let adu = decoder.decode() else {
                    decoder.append(try await peerEnd.read(maxCount: 512, timeout: .seconds(10)))
                    continue
                }
                guard case .request(.readHoldingRegisters(let address, _)) = adu.message else { continue }
                try await peerEnd.write(
                    RTUFraming.encode(unit: 1, response: .readHoldingRegisters([address, address]))
                )
                answered += 1
            }
            await peerEnd.close()
        }
        return (line, peer)
    }

    @Test func serializesConcurrentCallers() async throws {
        let (line, peer) = Self.lineWithPeer(requests: 4)
        let results = try await withThrowingTaskGroup(of: (UInt16, [UInt16]).self) { group in
            for address: UInt16 in [0x4000, 0x5000, 0x6000, 0x6048] {
                group.addTask {
                    let values = try await line.transaction(priority: .poll, meter: "m\(address)") { client in
                        try await client.readHoldingRegisters(unit: 1, address: address, count: 2)
                    }
                    return (address, values)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await peer.value
        await line.close()
        #expect(results.count == 4)
        for (address, values) in results { #expect(values == [address, address]) }
        let diagnostics = await line.diagnostics(protocolName: "modbus", meters: 4)
        #expect(diagnostics.counters.transactions == 4)
        #expect(diagnostics.transportOpens == 1)
        #expect(await line.counters(for: "m16384").transactions == 1)
    }

    /// A command queued behind a poll in flight and a poll already waiting runs at the next transaction boundary,
    /// before the waiting poll; every transaction is counted once after the gate.
    @Test func queuedCommandIsServedBeforeTheNextQueuedPoll() async throws {
        let (line, peer) = Self.lineWithPeer(requests: 3)
        let order = OrderLog()
        let holding = AsyncStream<Void>.makeStream()
        let first = Task {
            try await line.transaction(priority: .poll, meter: "a") { client in
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
                await order.append("poll a")
                for await _ in holding.stream { break }
            }
        }
        while await order.count == 0 { await Task.yield() }
        let second = Task {
            try await line.transaction(priority: .poll, meter: "b") { client in
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x5000, count: 2)
                await order.append("poll b")
            }
        }
        while await line.diagnostics(protocolName: "modbus", meters: 2).queueLength < 1 { await Task.yield() }
        let command = Task {
            try await line.transaction(priority: .command, meter: "b") { client in
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x6000, count: 2)
                await order.append("command b")
            }
        }
        while await line.diagnostics(protocolName: "modbus", meters: 2).queueLength < 2 { await Task.yield() }
        holding.continuation.yield()
        _ = try await (first.value, second.value, command.value)
        try await peer.value
        #expect(await order.entries == ["poll a", "command b", "poll b"])
        #expect(await line.diagnostics(protocolName: "modbus", meters: 2).counters.transactions == 3)
        #expect(await line.counters(for: "b").transactions == 2)
        await line.close()
    }

    @Test func failedOpenBacksOffAndClosedLineRefuses() async throws {
        let attempts = Mutex(0)
        let line = BusLine<ModbusClient>(
            endpoint: "nowhere",
            settings: nil,
            configuration: Self.configuration,
            logger: Logger(label: "bus-line-test"),
            open: { _ in
                attempts.withLock { $0 += 1 }
                throw TransportError.connectFailed(endpoint: "nowhere", reason: "refused")
            }
        )
        for _ in 0..<4 {
            await #expect(throws: TransportError.self) {
                try await line.transaction(priority: .poll) { client in
                    try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
                }
            }
        }
        // The next transaction after the first failure tries again; the second failure starts a 1 s back-off, so
        // the next two fail at once without trying to open.
        #expect(attempts.withLock { $0 } == 2)
        let diagnostics = await line.diagnostics(protocolName: "modbus", meters: 1)
        #expect(diagnostics.openFailures == 2 && diagnostics.counters.transactions == 0)
        await line.close()
        await #expect(throws: TransportError.closed(endpoint: "nowhere")) {
            try await line.transaction(priority: .command) { client in
                try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
            }
        }
    }

    /// The open failure's log line gives a real delay: the first failure (logged once, at error) retries with the
    /// next transaction and says so instead of `retry_in=0.0 seconds`; a later one (debug) says how long it waits.
    @Test func theOpenFailureLineSaysWhenItRetries() async throws {
        let capture = LogCapture()
        let line = BusLine<ModbusClient>(
            endpoint: "nowhere",
            settings: nil,
            configuration: Self.configuration,
            logger: capture.logger(label: "bus-line-test", level: .debug),
            open: { _ in throw TransportError.connectFailed(endpoint: "nowhere", reason: "refused") }
        )
        for _ in 0..<2 {
            await #expect(throws: TransportError.self) {
                try await line.transaction(priority: .poll) { client in
                    try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
                }
            }
        }
        await line.close()
        let failures = capture.entries.filter { $0.message == "cannot open the bus's transport" }
        try #require(failures.count == 2, "\(capture.entries)")
        #expect(failures[0].level == .error)
        #expect(failures[0].metadata["retry_in"] == nil, "\(failures[0].metadata)")
        #expect(failures[0].metadata["retry"] == "with the next transaction, then after 1 s, 2 s ... 30 s")
        #expect(failures[1].level == .debug)
        #expect(failures[1].metadata["retry_in"] == "\(Duration.seconds(1))", "\(failures[1].metadata)")
        #expect(capture.entries.allSatisfy { $0.metadata["retry_in"] != "\(Duration.zero)" })
    }

    /// A one-shot command's line (`read`, `write`, `scan`) tries once and promises nothing: its failed open is a
    /// debug line without retries, and the error reaches the command, which says it.
    @Test func aOneShotLinePromisesNoRetry() async throws {
        let capture = LogCapture()
        let line = BusLine<ModbusClient>(
            endpoint: "/dev/held",
            settings: nil,
            configuration: Self.configuration,
            logger: capture.logger(label: "bus-line-test", level: .debug),
            use: .oneShot,
            open: { _ in throw TransportError.systemCall(endpoint: "/dev/held", call: "flock", errno: EBUSY) }
        )
        await #expect {
            try await line.transaction(priority: .poll) { client in
                try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
            }
        } throws: { error in
            (error as? TransportError)?.portHeld == true && "\(error)".contains("probably a running bridge")
        }
        await line.close()
        let failures = capture.entries.filter { $0.message == "cannot open the bus's transport" }
        try #require(failures.count == 1, "\(capture.entries)")
        #expect(failures[0].level == .debug)
        #expect(failures[0].metadata["retry"] == nil && failures[0].metadata["retry_in"] == nil)
        #expect(!capture.entries.contains { $0.level >= .warning }, "\(capture.entries)")
    }
}
