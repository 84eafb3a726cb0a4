import Bridge
import Foundation
import MBus
import PRO380
import SerialIO
import Simulator
import Testing

/// The M-Bus driver reading and writing the simulated PRO380-Mb over a real pseudo-terminal and loopback TCP.
@Suite struct MBusDriverTests {
    typealias Harness = MBusSimulatorHarness

    static func session(_ server: MBusSimulatorServer, _ meters: [MeterConfiguration]) -> BusSession {
        BusSession.mbus(Harness.busConfiguration(server, meters: meters), logger: Harness.logger)
    }

    static func decimals(_ outcome: PollOutcome) -> [String: Decimal] {
        var values: [String: Decimal] = [:]
        for reading in outcome.readings {
            if case .decimal(let d) = reading.value { values[reading.key] = d.decimal }
        }
        return values
    }

    @Test(arguments: [MBusSimulatorServer.Endpoint.pseudoTerminal, .tcp(host: "127.0.0.1", port: 0)])
    func publishesTheNineEnergyValuesWithTheModbusKeysAndUnits(_ endpoint: MBusSimulatorServer.Endpoint) async throws {
        try await Harness.with([try Harness.meter(primary: 5)], on: endpoint) { _, server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 5)])
            let outcome = await session.meters[0].driver.poll(groups: [.energy, .identity])
            await session.close()
            #expect(outcome.meterAnswered)
            #expect(outcome.failures.isEmpty)
            #expect(Self.decimals(outcome) == Harness.manualValues)
            let table = RegisterTable.pro380
            for reading in outcome.readings where Harness.manualValues[reading.key] != nil {
                #expect(reading.unit == table[reading.key]?.unit)
                #expect(reading.unit == "kWh")
            }
            let header = Dictionary(outcome.readings.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(header["serial_number"] == .text("13070042"))
            #expect(header["software_version"] == .integer(1))
            #expect(header["error_code"] == .integer(0))
        }
    }

    @Test func readsByConfiguredSecondaryAddressAmongSeveralMeters() async throws {
        let meters = try ["13070001", "13070002", "13070003"].map { try Harness.meter(serial: $0, primary: 0) }
        try await Harness.with(meters) { _, server in
            let session = Self.session(
                server,
                [MeterConfiguration(name: "b", address: nil, secondaryAddress: "13070002")]
            )
            let first = await session.meters[0].driver.poll(groups: [.energy, .identity])
            let second = await session.meters[0].driver.poll(groups: [.energy, .identity])
            await session.close()
            for outcome in [first, second] {
                #expect(outcome.readings.contains { $0.key == "serial_number" && $0.value == .text("13070002") })
                #expect(Self.decimals(outcome)["forward_active_energy_t1"] == Decimal(string: "1234.56"))
            }
        }
    }

    @Test func aCorruptedTelegramPublishesNothingAndCounts() async throws {
        try await Harness.with([try Harness.meter(primary: 1)], faults: MBusFaults(corruptTelegrams: 3)) {
            bus,
            server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 1)])
            let driver = session.meters[0].driver
            let bad = await driver.poll(groups: [.energy, .identity])
            #expect(bad.readings.isEmpty)
            #expect(!bad.meterAnswered)
            #expect(await driver.diagnostics().protocolErrors == 1)
            #expect(bus.faults.corruptTelegrams == 0)
            let good = await driver.poll(groups: [.energy])
            await session.close()
            #expect(Self.decimals(good) == Harness.manualValues)
        }
    }

    @Test func tariffWriteIsAcknowledgedByE5() async throws {
        try await Harness.with([try Harness.meter(primary: 1)]) { bus, server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 1)])
            let definition = try #require(RegisterTable.pro380["tariff"])
            let answer = try await session.meters[0].driver.write(
                MeterCommand(key: "tariff", value: .tariff(2, persist: false), definition: definition)
            )
            await session.close()
            #expect(answer.detail.contains("acknowledged by E5"))
            #expect(answer.detail.contains("the meter has no M-Bus record to read the tariff back"))
            #expect(answer.detail.contains("saved"))
            #expect(bus.models[0].settings.tariff == 2)
        }
    }

    @Test func writesSettingsTheManualListsAndRefusesTheRest() async throws {
        try await Harness.with([try Harness.meter(primary: 1)]) { bus, server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 1)])
            let driver = session.meters[0].driver
            let table = RegisterTable.pro380
            _ = try await driver.write(
                MeterCommand(key: "combination_code", value: .integer(10), definition: table["combination_code"]!)
            )
            _ = try await driver.write(
                MeterCommand(
                    key: "s0_output_rate",
                    value: .decimal(Decimal(string: "0.1")!),
                    definition: table["s0_output_rate"]!
                )
            )
            _ = try await driver.write(
                MeterCommand(key: "power_down_counter", value: .integer(0), definition: table["power_down_counter"]!)
            )
            for key in ["modbus_id", "parity", "lcd_cycle_time"] {
                await #expect(throws: CommandError.notSupported(key: key, protocolName: "M-Bus")) {
                    try await driver.write(MeterCommand(key: key, value: .integer(1), definition: table[key]!))
                }
            }
            await session.close()
            let settings = bus.models[0].settings
            #expect(settings.combinationCode == 10)
            #expect(settings.s0OutputRate == Decimal(string: "0.1"))
        }
    }

    @Test func followsTheMeterToItsNewPrimaryAndSecondaryAddress() async throws {
        try await Harness.with([try Harness.meter(primary: 1)]) { bus, server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 1)])
            let driver = session.meters[0].driver
            let table = RegisterTable.pro380
            let moved = try await driver.write(
                MeterCommand(
                    key: "mbus_primary_address",
                    value: .integer(7),
                    definition: table["mbus_primary_address"]!
                )
            )
            #expect(moved.notice == "update address: 7 in the config file")
            #expect(bus.models[0].settings.mbusPrimaryAddress == 7)
            let renamed = try await driver.write(
                MeterCommand(
                    key: "mbus_secondary_address",
                    value: .digits("15012345"),
                    definition: table["mbus_secondary_address"]!
                )
            )
            #expect(renamed.detail.contains("15012345"))
            #expect(bus.models[0].settings.mbusSecondaryAddress == "15012345")
            let after = await driver.poll(groups: [.identity])
            await session.close()
            #expect(after.readings.contains { $0.key == "serial_number" && $0.value == .text("15012345") })
        }
    }

    @Test func baudRateChangeOnALoneMeterFollowsTheMeter() async throws {
        try await Harness.with([try Harness.meter(primary: 1)]) { bus, server in
            let session = Self.session(server, [MeterConfiguration(name: "m", address: 1)])
            let answer = try await session.meters[0].driver.write(
                MeterCommand(key: "baud_rate", value: .integer(9600), definition: RegisterTable.pro380["baud_rate"]!)
            )
            await session.close()
            #expect(answer.notice == "update baud: 9600 in the config file")
            #expect(bus.models[0].settings.baudRate == 9600)
        }
    }

    @Test func refusesABaudRateChangeOnASharedBus() async throws {
        let meters = [
            try Harness.meter(serial: "13070001", primary: 1), try Harness.meter(serial: "13070002", primary: 2),
        ]
        try await Harness.with(meters) { bus, server in
            let session = Self.session(
                server,
                [MeterConfiguration(name: "a", address: 1), MeterConfiguration(name: "b", address: 2)]
            )
            await #expect(
                throws: CommandError.unsafe(
                    "baud_rate refused: other meters share this bus and would stay at the old speed"
                )
            ) {
                try await session.meters[0].driver.write(
                    MeterCommand(
                        key: "baud_rate",
                        value: .integer(9600),
                        definition: RegisterTable.pro380["baud_rate"]!
                    )
                )
            }
            await session.close()
            #expect(bus.models.allSatisfy { $0.settings.baudRate == 2400 })
        }
    }
}
