import Bridge
import Foundation
import PRO380
import SerialIO
import Simulator
import Testing

/// `SimulatorService` serving its meters over M-Bus beside Modbus: the same models answer both.
@Suite struct MBusSimulatorServiceTests {
    @Test(arguments: [MBusSimulatorServer.Endpoint.pseudoTerminal, .tcp(host: "127.0.0.1", port: 0)])
    func theServicesMetersAnswerOverMBusByPrimaryAndSecondaryAddress(
        _ endpoint: MBusSimulatorServer.Endpoint
    )
        async throws
    {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let service = try SimulatorService(
            configuration: SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 3), mbusPort: endpoint),
            logger: MBusSimulatorHarness.logger,
            clock: { start }
        )
        let mbus = try #require(service.mbus)
        let running = Task { try await service.run() }
        let bus = MBusSimulatorHarness.busConfiguration(
            mbus,
            meters: [
                MeterConfiguration(name: "two", address: 2),
                MeterConfiguration(name: "three", address: nil, secondaryAddress: "13070003"),
            ]
        )
        let session = try BusSession(bus, logger: MBusSimulatorHarness.logger)
        let byPrimary = await session.meters[0].driver.poll(groups: [.energy, .identity])
        let bySecondary = await session.meters[1].driver.poll(groups: [.energy, .identity])
        await session.close()
        running.cancel()
        _ = try? await running.value
        #expect(byPrimary.readings.contains { $0.key == "serial_number" && $0.value == .text("13070002") })
        #expect(bySecondary.readings.contains { $0.key == "serial_number" && $0.value == .text("13070003") })
        let modelValues = service.bus.meters[1].values(at: start)
        for reading in byPrimary.readings where reading.unit == "kWh" {
            let model = try #require(modelValues[reading.key]?.doubleValue)
            let read = try #require(reading.value.doubleValue)
            #expect(abs(model - read) < 0.01, "\(reading.key)")
        }
    }
}
