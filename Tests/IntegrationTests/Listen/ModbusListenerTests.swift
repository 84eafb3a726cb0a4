import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import TestSupport
import Testing

/// The listen-only bus session without a broker: frames written on a pseudo-terminal become readings at the next
/// poll; a device that cannot be opened is reported, retried, and closing always ends. The session's `run()` (what
/// `BusService` runs beside the pollers) listens.
@Suite(.serialized)
struct ModbusListenerTests {
    static let settings = LineSettings(baudRate: 9600, parity: .none)

    func session(_ device: String, capture: LogCapture) throws -> BusSession {
        try BusSession(
            BusConfiguration(
                name: "wallbox",
                link: .modbusRTUListen(device: device, settings: Self.settings),
                meters: [MeterConfiguration(name: "heard", address: 1, allowCommands: [])]
            ),
            logger: capture.logger(label: "listener", level: .info)
        )
    }

    /// Writes a master's read of the L1 voltage (0x5002, 230.3 V) and the meter's reply on the line until `driver`'s
    /// poll has heard it; returns that poll's outcome.
    static func hearL1Voltage(
        unit: UnitID,
        on pty: PseudoTerminal,
        by driver: any MeterDriver
    ) async throws
        -> PollOutcome
    {
        let request = RTUFraming.encode(unit: unit, request: .readHoldingRegisters(address: 0x5002, count: 2))
        let reply = RTUFraming.encode(unit: unit, response: .readHoldingRegisters([0x4366, 0x4CCD]))
        var outcome = PollOutcome(meterAnswered: false)
        let heard = try await eventually("unit \(unit)'s exchange heard") {
            try await pty.controller.write(request + reply)
            try await Task.sleep(for: .milliseconds(100))
            outcome = await driver.poll(groups: [.instantaneous])
            return outcome.meterAnswered
        }
        #expect(heard)
        return outcome
    }

    @Test func heardFramesBecomeReadingsAtTheNextPoll() async throws {
        let capture = LogCapture()
        let pty = try PseudoTerminal.open(logger: capture.logger())
        let session = try session(pty.devicePath, capture: capture)
        let listening = Task { await session.run() }
        let driver = session.meters[0].driver
        let first = await driver.poll(groups: [.instantaneous])
        #expect(!first.meterAnswered && first.failures.isEmpty, "listening starts: nothing heard, nothing to report")

        let outcome = try await Self.hearL1Voltage(unit: 1, on: pty, by: driver)
        #expect(outcome.readings.map(\.key) == ["voltage_l1"])
        #expect(outcome.readings.first?.value.jsonFragment == "230.3")
        let silent = await driver.poll(groups: [.instantaneous])
        #expect(!silent.meterAnswered && silent.failures.first?.reason.contains("no reply from unit 1") == true)
        #expect(await driver.read(keys: ["voltage_l1"]).readings.first?.value.jsonFragment == "230.3")
        #expect(await driver.diagnostics().keysSeen == ["voltage_l1"])
        let diagnostics = await session.diagnostics()
        #expect(diagnostics.meterProtocol == "modbus_listen" && diagnostics.transportOpens == 1)
        #expect(
            diagnostics.counters.transactions >= 1
                && diagnostics.listen?.decoder.exchanges == diagnostics.counters.transactions
        )
        #expect(diagnostics.listen?.listening == true && diagnostics.listen?.registersCovered == 1)
        #expect(diagnostics.json.text(.spaced).contains("\"listen\": {\"mode\": \"listen_only\""))
        await session.close()
        await listening.value
        #expect(await session.diagnostics().listen?.listening == false, "closed")
        await pty.close()
    }

    /// A reload that adds a meter to a listen-only bus keeps the listener (and its port): the new meter's unit is
    /// heard from its first poll on.
    @Test func aMeterAddedByAReloadIsHeard() async throws {
        let capture = LogCapture()
        let pty = try PseudoTerminal.open(logger: capture.logger())
        let session = try session(pty.devicePath, capture: capture)
        let listening = Task { await session.run() }
        let reloaded = session.replacingMeters(
            with: BusConfiguration(
                name: "wallbox",
                link: .modbusRTUListen(device: pty.devicePath, settings: Self.settings),
                meters: [
                    MeterConfiguration(name: "heard", address: 1, allowCommands: []),
                    MeterConfiguration(name: "added", address: 2, allowCommands: []),
                ]
            ),
            keeping: ["heard"]
        )
        let added = reloaded.meters[1].driver
        _ = await added.poll(groups: [.instantaneous])
        let outcome = try await Self.hearL1Voltage(unit: 2, on: pty, by: added)
        #expect(outcome.readings.map(\.key) == ["voltage_l1"])
        #expect(await reloaded.diagnostics().transportOpens == 1, "the same port")
        await reloaded.close()
        await listening.value
        await pty.close()
    }

    @Test func aDeviceThatCannotBeOpenedIsReportedAndRetried() async throws {
        let capture = LogCapture()
        let session = try session("/nonexistent/ttyLISTEN", capture: capture)
        let listening = Task { await session.run() }
        let driver = session.meters[0].driver
        _ = await driver.poll(groups: [.instantaneous])
        await eventually("the open failure reported") {
            await driver.poll(groups: [.instantaneous]).failures.first?.reason.contains(
                "cannot open /nonexistent/ttyLISTEN"
            )
                == true
        }
        await eventually("a retry after the back-off") { await session.diagnostics().openFailures >= 2 }
        #expect(await session.diagnostics().listen?.listening == false)
        #expect(capture.messages(atLeast: .error).count == 1, "one line per outage")
        listening.cancel()
        await listening.value
        await session.close()
    }
}
