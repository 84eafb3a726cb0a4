import Bridge
import Foundation
import Logging
import PRO380
import Simulator
import Testing

/// The same key has the same value whichever protocol read the simulated meter: one `SimulatorService` serves
/// the same `PRO380Model` over Modbus TCP and on its optical port, and the bridge's Modbus and IEC 62056-21
/// drivers read it at the same (fixed) simulated time.
@Suite struct IEC62056CrossProtocolTests {
    typealias F = IEC62056Fixtures

    @Test func modbusAndIECAgreeOnEveryCommonKey() async throws {
        let service = try SimulatorService(
            configuration: SimulatorConfiguration(opticalPort: .tcp(host: "127.0.0.1", port: 0)),
            logger: Logger(label: "simulator"),
            clock: { F.readoutTime }
        )
        let optical = try #require(service.optical)
        let modbus = try BusSession(
            BusConfiguration(
                name: "modbus",
                link: .modbusTCP(host: "127.0.0.1", port: try #require(service.port)),
                meters: [MeterConfiguration(name: "m1", address: 1)]
            ),
            logger: Logger(label: "bridge")
        )
        let iec = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: try #require(optical.port))),
            logger: Logger(label: "bridge")
        )
        let groups = Set(PollGroup.allCases)
        let (overModbus, overIEC) = await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await service.run() }
            defer { group.cancelAll() }
            return (await modbus.meters[0].driver.poll(groups: groups), await iec.meters[0].driver.poll(groups: groups))
        }
        await modbus.close()
        await iec.close()

        #expect(overModbus.meterAnswered && overIEC.meterAnswered)
        let modbusValues = Dictionary(overModbus.readings.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var common: [String] = []
        for reading in overIEC.readings {
            guard let other = modbusValues[reading.key] else { continue }
            #expect(reading.value == other.value, "\(reading.key)")
            #expect(reading.unit == other.unit, "\(reading.key)")
            common.append(reading.key)
        }
        let iecKeys = Set(overIEC.readings.map(\.key)).filter { RegisterTable.pro380[$0] != nil }
        #expect(Set(common) == iecKeys.subtracting(["error_code"]))
        #expect(common.count >= 35)
    }
}
