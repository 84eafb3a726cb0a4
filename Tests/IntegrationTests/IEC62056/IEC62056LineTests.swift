import Bridge
import Foundation
import IEC62056
import Logging
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// The line opens on demand and again after a failure.
@Suite struct IEC62056LineRecoveryTests {
    typealias F = IEC62056Fixtures

    @Test func aGatewayThatComesLaterIsReadOnTheNextPoll() async throws {
        let port = TestEnvironment.freeLoopbackPort()
        let session = try BusSession(
            F.bus(.iec62056TCP(host: "127.0.0.1", port: port)),
            logger: Logger(label: "bridge")
        )
        let driver = try #require(session.meters.first?.driver)
        let refused = await driver.poll(groups: [.energy])
        let server = try IEC62056SimulatorServer.tcp(
            model: try F.model(),
            port: port,
            clock: { F.readoutTime },
            logger: Logger(label: "simulator")
        )
        let answered = try await F.serving(server) { await driver.poll(groups: [.energy]) }
        await session.close()

        #expect(!refused.meterAnswered && refused.readings.isEmpty)
        #expect(answered.meterAnswered && !answered.readings.isEmpty)
        let diagnostics = await driver.diagnostics()
        #expect(diagnostics.polls == 2 && diagnostics.failedPolls == 1)
    }
}

/// The request message's device address (`/?13070042!`): the meter answers its own address (leading zeros
/// ignored) and the empty one, and stays silent otherwise.
@Suite struct IEC62056DeviceAddressTests {
    typealias F = IEC62056Fixtures

    @Test(arguments: [("0013070042", true), (nil, true), ("13070043", false)])
    func theMeterAnswersItsOwnAddressOnly(requested: String?, answers: Bool) async throws {
        let server = try IEC62056SimulatorServer.pseudoTerminal(
            model: try F.model(),
            configuration: IEC62056SimulatorConfiguration(deviceAddress: "13070042", reactionTime: .milliseconds(20)),
            clock: { F.readoutTime },
            logger: Logger(label: "simulator")
        )
        let device = try #require(server.devicePath)
        let bus = F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false), deviceAddress: requested)
        let session = BusSession.iec62056(bus, clientConfiguration: F.quickClient, logger: Logger(label: "bridge")) {
            _ in
            try SerialPort(
                device: device,
                settings: LineSettings(baudRate: 300, dataBits: 7, parity: .even),
                logger: Logger(label: "bridge")
            )
        }
        let driver = try #require(session.meters.first?.driver)
        let outcome = try await F.serving(server) { await driver.poll(groups: [.energy]) }
        await session.close()

        #expect(outcome.meterAnswered == answers)
        #expect(!outcome.readings.isEmpty == answers)
        #expect(await driver.diagnostics().timeouts == (answers ? 0 : 1))
    }
}
