import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import Simulator
import Testing

/// The simulator read and written by the project's own `ModbusClient` over loopback TCP, with a frozen clock so
/// what the client decodes can be compared with what the model says.
@Suite struct SimulatorModbusClientTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let logger = Logger(label: "test")

    /// Serves `configuration` (frozen clock), connects a client with `framing`, runs `body`, then stops both.
    func withClient(
        _ configuration: SimulatorConfiguration,
        expectEcho: Bool = false,
        _ body: (ModbusClient, SimulatorService) async throws -> Void
    ) async throws {
        let service = try SimulatorService(configuration: configuration, logger: logger, clock: { Self.now })
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let framing: ModbusFraming
        if case .rtuOverTCP = configuration.endpoint { framing = .rtuOverTCP } else { framing = .tcp }
        let transport = try await TCPTransport.connect(
            host: "127.0.0.1",
            port: try #require(service.port),
            timeout: .seconds(2)
        )
        let client = ModbusClient(
            transport: transport,
            framing: framing,
            lineSettings: nil,
            timeout: .seconds(3),
            expectEcho: expectEcho,
            logger: logger
        )
        do {
            try await body(client, service)
        } catch {
            await transport.close()
            throw error
        }
        await transport.close()
        task.cancel()
        try await task.value
    }

    @Test func everyReadableRowDecodesToTheModelsValue() async throws {
        try await withClient(SimulatorConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 0))) { client, service in
            let meter = try #require(service.bus.meter(unit: 1))
            let expected = meter.values(at: Self.now)
            var checked = 0
            for row in RegisterTable.pro380.modbusReadable where expected[row.key] != nil {
                let mapping = try #require(row.modbus)
                let registers = try await client.readHoldingRegisters(
                    unit: 1,
                    address: mapping.address,
                    count: mapping.count
                )
                #expect(try row.decodeModbus(registers) == expected[row.key], "\(row.key)")
                checked += 1
            }
            #expect(checked == RegisterTable.pro380.modbusReadable.count - 3)
            await #expect(throws: ModbusError.exception(function: .readHoldingRegisters, code: .illegalDataAddress)) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x5000, count: 2)
            }
        }
    }

    @Test func writesAndBroadcast() async throws {
        let configuration = SimulatorConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: 0),
            meters: SimulatorConfiguration.meters(count: 2)
        )
        try await withClient(configuration) { client, service in
            try await client.writeSingleRegister(unit: 2, address: 0x4011, value: 2)
            try await client.writeMultipleRegisters(unit: 2, address: 0x400D, values: [0x3DCC, 0xCCCD])
            await #expect(throws: ModbusError.exception(function: .writeSingleRegister, code: .illegalDataValue)) {
                try await client.writeSingleRegister(unit: 2, address: 0x4010, value: 0x0031)
            }
            try await client.writeSingleRegister(unit: 0, address: 0x6048, value: 2)
            for unit: UInt8 in [1, 2] {
                #expect(try await client.readHoldingRegisters(unit: unit, address: 0x6048, count: 1) == [2])
            }
            let meter = try #require(service.bus.meter(unit: 2))
            #expect(meter.settings.parity == "none")
            #expect(meter.settings.s0OutputRate == Decimal(string: "0.1"))
        }
    }

    @Test func faultsAsTheClientSeesThem() async throws {
        let faults = ModbusFaults(
            silentUnits: [2],
            strayLeadingByte: true,
            echoRequest: true,
            maximumRegistersPerRead: 10,
            tooManyRegistersException: .illegalDataAddress
        )
        let configuration = SimulatorConfiguration(
            endpoint: .rtuOverTCP(host: "127.0.0.1", port: 0),
            meters: SimulatorConfiguration.meters(count: 2),
            faults: faults
        )
        try await withClient(configuration, expectEcho: true) { client, service in
            // The echo and the stray byte are skipped by the client.
            let serial = try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
            #expect(serial == [0x1307, 0x0001])
            await #expect(throws: ModbusError.exception(function: .readHoldingRegisters, code: .illegalDataAddress)) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x6000, count: 12)
            }
            await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 2, address: 0x4000, count: 2)
            }
            service.bus.faults = ModbusFaults(corruptCRC: true)
            await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0x4000, count: 2)
            }
        }
    }
}
