import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// A day-energy reset on a loaded meter: the counter goes on counting between the write and the read-back, and the
/// reset is still confirmed (issue 11: "written 0 but the meter reads back 0.00000166548").
@Suite(.serialized) struct ResetReadBackTests {
    @Test func resetOfALoadedMetersDayEnergyIsConfirmed() async throws {
        // 3 x 230 V x 100 A, real time: about 19 mWh a second, so the counter moves within every round trip.
        let full = PhaseLoad(voltage: 230, current: 100, angle: 0)
        let meter = try PRO380Model(
            settings: SimulatedMeterSettings(serialNumber: "13070077"),
            profile: .constant(phases: [full, full, full], frequency: 50),
            start: Date()
        )
        let logger = Logger(label: "reset", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = ModbusSimulatorServer(bus: SimulatedModbusBus(meters: [meter]), logger: logger)
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let serving = Task { await server.serve(listener: listener, framing: .tcp) }
        defer {
            serving.cancel()
            listener.close()
        }
        let bus = BusConfiguration(
            name: "loaded",
            link: .modbusTCP(host: "127.0.0.1", port: listener.port),
            timeout: .seconds(2),
            meters: [MeterConfiguration(name: "main", address: 1, allowCommands: ["resettable_day_energy"])]
        )
        let session = try BusSession(bus, logger: logger)
        let driver = session.meters[0].driver
        // Let the day counter grow well past what a reset read-back may show.
        var before = 0.0
        await eventually("the loaded meter counted 1 Wh") {
            before = await driver.read(keys: ["resettable_day_energy"]).readings.first?.value.doubleValue ?? 0
            return before > 0.001
        }

        let definition = try #require(RegisterTable.pro380["resettable_day_energy"])
        let confirmation = try await driver.write(
            MeterCommand(key: "resettable_day_energy", value: .integer(0), definition: definition)
        )
        let readBack = try #require(confirmation.readings.first?.value.doubleValue)
        #expect(readBack > 0, "the meter counted between the write and the read-back: \(confirmation.detail)")
        #expect(readBack < before, "the counter was reset: \(confirmation.detail)")
        #expect(confirmation.detail.contains("counted since the reset"), "\(confirmation.detail)")
        await session.close()
    }
}
