import Logging
import Modbus
import SerialIO
import TestSupport

/// The device end of a socketpair in client tests: reads whole requests with the server-side decoders and writes
/// whatever bytes the test scripts (good replies, stray bytes, echoes, stale frames).
struct ScriptedPeer {
    let transport: SocketPairTransport
    private var rtu = RTURequestDecoder()
    private var tcp = TCPRequestDecoder()

    init(_ transport: SocketPairTransport) { self.transport = transport }

    /// The next RTU request.
    mutating func nextRTURequest() async throws -> ModbusADU<ModbusServerRequest> {
        while true {
            if let adu = rtu.decode() { return adu }
            rtu.append(try await transport.read(maxCount: 512, timeout: .seconds(5)))
        }
    }

    /// The next Modbus TCP request.
    mutating func nextTCPRequest() async throws -> ModbusADU<ModbusServerRequest> {
        while true {
            if let adu = try tcp.decode() { return adu }
            tcp.append(try await transport.read(maxCount: 512, timeout: .seconds(5)))
        }
    }

    func send(_ bytes: [UInt8]) async throws { try await transport.write(bytes) }
}

/// A client and its scripted peer on a fresh socketpair; the peer script runs beside the client's calls in a task
/// group (mqtt-nio's `withTest` shape), and both ends are closed afterwards.
func withClientAndPeer<T: Sendable>(
    framing: ModbusFraming = .rtu,
    timeout: Duration = .seconds(2),
    requestGap: Duration = .zero,
    expectEcho: Bool = false,
    peer script: @escaping @Sendable (inout ScriptedPeer) async throws -> Void,
    client body: @Sendable (ModbusClient) async throws -> T
) async throws -> T {
    let (clientEnd, peerEnd) = SocketPairTransport.makePair()
    let client = ModbusClient(
        transport: clientEnd,
        framing: framing,
        lineSettings: framing == .rtu ? LineSettings(baudRate: 115_200) : nil,
        timeout: timeout,
        requestGap: requestGap,
        expectEcho: expectEcho,
        logger: Logger(label: "modbus-test")
    )
    defer {
        Task {
            await clientEnd.close()
            await peerEnd.close()
        }
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var peer = ScriptedPeer(peerEnd)
            try await script(&peer)
        }
        let result = try await body(client)
        try await group.waitForAll()
        return result
    }
}
