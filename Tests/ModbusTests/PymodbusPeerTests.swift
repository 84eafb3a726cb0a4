import Logging
import Modbus
import SerialIO
import TestSupport
import Testing

/// Our client against pymodbus 3.16 serving the PRO380 map (Tests/Peers/pymodbus_pro380.py): a meter that was not
/// written here, on loopback TCP in Modbus TCP and RTU-over-TCP framing.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs scripts/setup.sh --with-test-peers"))
struct PymodbusPeerTests {
    /// Runs `body` with a client connected to a fresh pymodbus PRO380 server.
    func withPeer<T: Sendable>(
        framing: ModbusFraming,
        arguments: [String] = [],
        _ body: (ModbusClient) async throws -> T
    ) async throws -> T {
        let port = TestEnvironment.freeLoopbackPort()
        let peer = try await PythonPeer(
            script: "pymodbus_pro380.py",
            arguments: ["--tcp", "\(port)", "--framer", framing == .tcp ? "socket" : "rtu"] + arguments
        )
        let transport = try await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        let client = ModbusClient(
            transport: transport,
            framing: framing,
            lineSettings: nil,
            timeout: .seconds(2),
            logger: Logger(label: "pymodbus-test")
        )
        do {
            let result = try await body(client)
            await transport.close()
            await peer.stop()
            return result
        } catch {
            await transport.close()
            await peer.stop()
            throw error
        }
    }

    @Test(arguments: [ModbusFraming.tcp, .rtuOverTCP])
    func readsTheWholePRO380PlanAndLearnsThePRO1Rows(_ framing: ModbusFraming) async throws {
        let (values, plan) = try await withPeer(framing: framing) { client in
            var state = ReadPlanState(spans: PRO380Spans.all)
            var values: [RegisterSpan: [UInt16]] = [:]
            for _ in 0..<12 {
                for block in state.blocks(at: .now) {
                    do {
                        let registers = try await client.readHoldingRegisters(
                            unit: 1,
                            address: block.address,
                            count: block.count
                        )
                        state.recordSuccess(block)
                        for span in block.spans {
                            values[span] = block.registers(of: span, in: registers).map(Array.init)
                        }
                    } catch ModbusError.exception(_, .illegalDataAddress) {
                        _ = state.recordException02(block, at: .now)
                    }
                }
            }
            return (values, state.currentPlan)
        }
        #expect(plan.map(\.address) == [0x4000, 0x4016, 0x5002, 0x500C, 0x6000])
        #expect(values[RegisterSpan(address: 0x5002, count: 2)] == [0x4367, 0x4000])  // 231.25 V
        #expect(values[RegisterSpan(address: 0x4000, count: 2)] == [0x1307, 0x0042])
        #expect(values[RegisterSpan(address: 0x6048, count: 1)] == [1])
        #expect(values[RegisterSpan(address: 0x5000, count: 2)] == nil)
        #expect(Set(values.keys) == Set(PRO380Spans.all).subtracting(PRO380Spans.pro1Only))
    }

    @Test func writesTheManualsExamples() async throws {
        try await withPeer(framing: .tcp) { client in
            try await client.writeSingleRegister(unit: 1, address: 0x6048, value: 2)
            try await client.writeSingleRegister(unit: 1, address: 0x4010, value: 0x0025)
            try await client.writeMultipleRegisters(unit: 1, address: 0x400D, values: [0x4120, 0x0000])
            try await client.writeMultipleRegisters(unit: 1, address: 0x6049, values: [0, 0])
            #expect(try await client.readHoldingRegisters(unit: 1, address: 0x6048, count: 1) == [2])
            #expect(try await client.readHoldingRegisters(unit: 1, address: 0x400D, count: 2) == [0x4120, 0])
            let error = await #expect(throws: ModbusError.self) {
                try await client.writeSingleRegister(unit: 1, address: 0x6048, value: 3)
            }
            #expect(error == .exception(function: .writeSingleRegister, code: .illegalDataValue))
        }
    }

    @Test func oversizeReadsAnswerException03AndTheStateHalves() async throws {
        let plan = try await withPeer(framing: .tcp, arguments: ["--max-registers", "40", "--pro1"]) { client in
            var state = ReadPlanState(spans: PRO380Spans.all)
            for _ in 0..<4 {
                for block in state.blocks(at: .now) {
                    do {
                        _ = try await client.readHoldingRegisters(unit: 1, address: block.address, count: block.count)
                        state.recordSuccess(block)
                    } catch ModbusError.exception(_, .illegalDataValue) {
                        _ = state.recordException03(block, at: .now)
                    }
                }
            }
            return state.currentPlan
        }
        #expect(plan.allSatisfy { $0.count <= 40 })
    }

    @Test func anotherUnitGetsNoReply() async throws {
        try await withPeer(framing: .tcp) { client in
            let error = await #expect(throws: ModbusError.self) {
                try await client.readHoldingRegisters(unit: 2, address: 0x5002, count: 2, timeout: .milliseconds(300))
            }
            guard case .timeout = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
        }
    }
}
