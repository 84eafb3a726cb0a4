import Bridge
import Foundation
import IEC62056
import Logging
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// The IEC 62056-21 driver reading the simulated PRO380 over a real pseudo-terminal and over TCP.
@Suite struct IEC62056SimulatorReadoutTests {
    typealias F = IEC62056Fixtures

    @Test func readsOverAPseudoTerminalWithASpeedSwitch() async throws {
        let model = try F.model()
        let simulatorLog = LogCapture()
        let server = try IEC62056SimulatorServer.pseudoTerminal(
            model: model,
            clock: { F.readoutTime },
            logger: simulatorLog.logger(label: "simulator")
        )
        let device = try #require(server.devicePath)
        let session = try BusSession(
            F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver as? IEC62056MeterDriver)
        let outcome = try await F.serving(server) { await driver.poll(groups: [.instantaneous]) }
        await session.close()

        #expect(outcome.meterAnswered)
        #expect(outcome.failures.isEmpty)
        #expect(simulatorLog.entries.contains { $0.message == "switched to 9600 baud" })
        #expect(await driver.speedPolicy() == .switchToOffered)
        try Self.expectModelValues(outcome.readings, model: model)
    }

    @Test func readsOverTCPAtTheSignOnSpeed() async throws {
        let model = try F.model()
        let simulatorLog = LogCapture()
        let server = try IEC62056SimulatorServer.tcp(
            model: model,
            clock: { F.readoutTime },
            logger: simulatorLog.logger(label: "simulator")
        )
        let port = try #require(server.port)
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: port)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let outcome = try await F.serving(server) { await driver.poll(groups: [.energy]) }
        await session.close()

        #expect(outcome.meterAnswered)
        #expect(!simulatorLog.entries.contains { $0.message.hasPrefix("switched to") })
        try Self.expectModelValues(outcome.readings, model: model)
    }

    /// Field case: the meter proposes 9600 baud and keeps talking at 300. The client retries at 300 baud, and
    /// the driver keeps reading this meter without a switch.
    @Test func aMeterThatDoesNotSwitchIsReadAtTheSignOnSpeedAndRemembered() async throws {
        let model = try F.model()
        let simulatorLog = LogCapture()
        let server = try IEC62056SimulatorServer.pseudoTerminal(
            model: model,
            configuration: IEC62056SimulatorConfiguration(
                reactionTime: .milliseconds(20),
                faults: IEC62056SimulatorFaults(ignoresSpeedSwitch: true)
            ),
            clock: { F.readoutTime },
            logger: simulatorLog.logger(label: "simulator")
        )
        let session = F.quickSerialSession(device: try #require(server.devicePath), logger: Logger(label: "bridge"))
        let driver = try #require(session.meters.first?.driver as? IEC62056MeterDriver)
        let (first, second) = try await F.serving(server) {
            (await driver.poll(groups: [.energy]), await driver.poll(groups: [.energy]))
        }
        await session.close()

        #expect(first.meterAnswered && second.meterAnswered)
        #expect(await driver.speedPolicy() == .stayAtSignOnSpeed)
        #expect(simulatorLog.entries.filter { $0.message == "ignoring the speed switch" }.count == 1)
        try Self.expectModelValues(second.readings, model: model)
    }

    @Test func aBadBCCPublishesNothingAndCountsAFailure() async throws {
        let model = try F.model()
        let server = try IEC62056SimulatorServer.tcp(
            model: model,
            configuration: IEC62056SimulatorConfiguration(faults: IEC62056SimulatorFaults(badBCC: true)),
            clock: { F.readoutTime },
            logger: Logger(label: "simulator")
        )
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: try #require(server.port))),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let (bad, diagnostics, good) = try await F.serving(server) {
            let bad = await driver.poll(groups: [.energy])
            let diagnostics = await driver.diagnostics()
            server.setFaults(IEC62056SimulatorFaults())
            return (bad, diagnostics, await driver.poll(groups: [.energy]))
        }
        await session.close()

        #expect(bad.readings.isEmpty)
        #expect(!bad.meterAnswered)
        #expect(bad.failures.first?.reason.contains("BCC mismatch") == true)
        #expect(diagnostics.polls == 1 && diagnostics.failedPolls == 1 && diagnostics.protocolErrors == 1)
        #expect(good.meterAnswered && !good.readings.isEmpty)
        #expect(await driver.diagnostics().failedPolls == 1)
    }

    /// The same key has the same value whichever protocol read the model: the IEC readout against the Modbus
    /// register image of the same `PRO380Model` at the same time, decoded as the Modbus driver decodes it.
    @Test func theSameKeyHasTheSameValueOverIECAndModbus() async throws {
        let model = try F.model()
        let server = try IEC62056SimulatorServer.tcp(model: model, clock: { F.readoutTime }, logger: Logger(label: "s"))
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: try #require(server.port))),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let outcome = try await F.serving(server) { await driver.poll(groups: [.identity]) }
        await session.close()

        var compared: [String] = []
        for reading in outcome.readings {
            guard let row = RegisterTable.pro380[reading.key], let mapping = row.modbus, !mapping.pro1Only else {
                continue
            }
            let registers = try model.holdingRegisters(
                address: mapping.address,
                count: mapping.count,
                at: F.readoutTime
            ).get()
            #expect(try row.decodeModbus(registers) == reading.value, "\(reading.key)")
            #expect(row.unit == reading.unit, "\(reading.key)")
            compared.append(reading.key)
        }
        #expect(compared.count >= 30)
        #expect(compared.contains("active_power_l2") && compared.contains("forward_active_energy_t1"))
    }

    @Test func writesAreRefusedAsNotSupported() async throws {
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: 1)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let row = try #require(RegisterTable.pro380["tariff"])
        await #expect(throws: CommandError.notSupported(key: "tariff", protocolName: IEC62056MeterDriver.protocolName))
        {
            try await driver.write(MeterCommand(key: "tariff", value: .tariff(2, persist: true), definition: row))
        }
        await session.close()
    }

    /// Every table key in the readout equals the model's value; unmapped lines arrive under `obis_` keys.
    static func expectModelValues(_ readings: [Reading], model: PRO380Model) throws {
        let values = model.values(at: F.readoutTime)
        let mapped = readings.filter { RegisterTable.pro380[$0.key] != nil && $0.key != "error_code" }
        let expected = RegisterTable.pro380.definitions.filter { !$0.obis.isEmpty && values[$0.key] != nil }
        #expect(Set(mapped.map(\.key)) == Set(expected.map(\.key)))
        for reading in mapped {
            #expect(reading.value == values[reading.key], "\(reading.key)")
            #expect(reading.unit == RegisterTable.pro380[reading.key]?.unit, "\(reading.key)")
        }
        #expect(F.value(readings, "serial_number") == .text("13070042"))
        #expect(F.value(readings, "error_code") == .integer(0))
        #expect(
            F.value(readings, "obis_c_7_0")
                == values["power_down_counter"].flatMap { v in
                    Decimal(string: v.description).map(MeterValue.decimal)
                }
        )
        // A time keeps its leading zero: 09:02:03, not 90203.
        #expect(F.value(readings, "obis_0_9_1") == .text("090203"))
        #expect(F.value(readings, "obis_0_9_2") == .decimal(Decimal(270115)))
    }
}
