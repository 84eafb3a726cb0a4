import Bridge
import Foundation
import IEC62056
import Logging
import PRO380
import SerialIO
import TestSupport
import Testing

/// The driver reading a readout that this project did not produce: `Tests/Peers/iec_meter.py`, an independent
/// mode C meter (identification `/ISk5MT174-0001`, full-form OBIS addresses, BCC by the PyPI package
/// iec62056-21), on a pseudo-terminal and over TCP.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs the test-peer venv: scripts/setup.sh --with-test-peers"))
struct IEC62056PythonMeterTests {
    typealias F = IEC62056Fixtures

    /// Starts the peer meter; returns it and what it printed after READY (device path or port).
    static func startMeter(_ arguments: [String]) async throws -> (ChildProcess, String) {
        let python = try #require(TestEnvironment.python)
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/iec_meter.py").path
        let meter = try ChildProcess(python, ["-u", script] + arguments)
        try await meter.waitForLine { $0.hasPrefix("READY ") }
        let ready = try #require(meter.lines.first { $0.hasPrefix("READY ") })
        return (meter, String(ready.dropFirst("READY ".count)))
    }

    /// SIGKILL: the test process may spawn children with SIGTERM blocked.
    static func stop(_ meter: ChildProcess) async {
        meter.send(SIGKILL)
        _ = await meter.waitForExit()
    }

    /// What the peer's data lines map to.
    static func expectPeerReadout(_ readings: [Reading]) {
        let expected: [String: (MeterValue, String?)] = [
            "serial_number": (.text("12345678"), nil),
            "error_code": (.integer(0), nil),
            "forward_active_energy_total": (.decimal(Decimal(string: "1234.567")!), "kWh"),
            "forward_active_energy_t1": (.decimal(800), "kWh"),
            "reverse_active_energy_total": (.decimal(Decimal(string: "12.345")!), "kWh"),
            "voltage_l1": (.decimal(Decimal(string: "230.1")!), "V"),
            "current_l1": (.decimal(Decimal(string: "5.12")!), "A"),
            "active_power_total": (.decimal(1234), "W"),
            "frequency": (.decimal(Decimal(string: "49.98")!), "Hz"),
            "obis_0_9_1": (.text("12:34:56"), nil),
            "obis_96_1_3": (.decimal(4711), nil),
            "obis_c_90_2": (.text("ABC-1"), nil),
        ]
        #expect(Set(readings.map(\.key)) == Set(expected.keys))
        for reading in readings {
            #expect(reading.value == expected[reading.key]?.0, "\(reading.key)")
            #expect(reading.unit == expected[reading.key]?.1, "\(reading.key)")
        }
    }

    @Test func readsThePeerMeterOnAPseudoTerminal() async throws {
        let (meter, device) = try await Self.startMeter(["pty"])
        let session = try BusSession(
            F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver as? IEC62056MeterDriver)
        let outcome = await driver.poll(groups: [.instantaneous])
        await session.close()
        await Self.stop(meter)

        #expect(outcome.meterAnswered && outcome.failures.isEmpty)
        #expect(await driver.speedPolicy() == .switchToOffered)
        Self.expectPeerReadout(outcome.readings)
    }

    @Test func readsThePeerMeterOverTCP() async throws {
        let port = TestEnvironment.freeLoopbackPort()
        let (meter, _) = try await Self.startMeter(["tcp", "\(port)"])
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: port)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let outcome = await driver.poll(groups: [.energy])
        let get = await driver.read(keys: ["voltage_l1", "obis_96_1_3", "voltage_l2"])
        await session.close()
        await Self.stop(meter)

        Self.expectPeerReadout(outcome.readings)
        #expect(get.readings.map(\.key) == ["voltage_l1", "obis_96_1_3"])
        #expect(get.failures == [ReadFailure(keys: ["voltage_l2"], reason: "not in the meter's readout")])
    }

    @Test func aBadBCCFromThePeerPublishesNothingAndCountsAFailure() async throws {
        let (meter, device) = try await Self.startMeter(["pty", "--bad-bcc"])
        let session = try BusSession(
            F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let outcome = await driver.poll(groups: [.energy])
        let diagnostics = await driver.diagnostics()
        await session.close()
        await Self.stop(meter)

        #expect(outcome.readings.isEmpty && !outcome.meterAnswered)
        #expect(diagnostics.failedPolls == 1 && diagnostics.protocolErrors == 1)
    }
}
