import Bridge
import Foundation
import Logging
import PRO380
import Simulator
import TestSupport
import Testing

/// A meter that never answers: every poll is a failed poll, also in the counters read while a poll is in flight
/// (the diagnostics reporter reads them at any moment; issue 11 saw `failed_polls = polls - 1`).
@Suite(.serialized) struct SilentMeterDiagnosticsTests {
    static let quiet = Logger(label: "silent", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Polls `driver` once in a task; while the poll waits for its reply, and after it, failed polls equal polls.
    func expectFailedPollsEqualPolls(_ driver: any MeterDriver) async throws {
        let poll = Task { await driver.poll(groups: Set(PollGroup.allCases)) }
        let inFlight = await eventually("the poll's first request to go out") {
            await driver.diagnostics().transactions >= 1
        }
        if inFlight {
            let during = await driver.diagnostics()
            #expect(during.failedPolls == during.polls, "while polling: \(during.json)")
        }
        let outcome = await poll.value
        #expect(!outcome.meterAnswered)
        let after = await driver.diagnostics()
        #expect(after.polls == 1 && after.failedPolls == 1, "after the poll: \(after.json)")
    }

    @Test func modbusMeterThatNeverAnswers() async throws {
        let simulator = try RunningSimulator(SimulatorConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 0)))
        defer { Task { await simulator.stop() } }
        // Unit 9 is not on the simulated bus: no reply, ever. A long timeout keeps the poll in flight.
        let bus = testBus("silent", link: simulator.tcpLink, meters: [("absent", 9)], timeout: .seconds(3))
        let session = try BusSession(bus, logger: Self.quiet)
        try await expectFailedPollsEqualPolls(session.meters[0].driver)
        await session.close()
    }

    @Test func mbusMeterThatNeverAnswers() async throws {
        try await MBusSimulatorHarness.with(
            [try MBusSimulatorHarness.meter(primary: 1)],
            on: .tcp(host: "127.0.0.1", port: 0)
        ) {
            _,
            server in
            let bus = BusConfiguration(
                name: "silent",
                link: .mbusTCP(host: "127.0.0.1", port: server.port!),
                timeout: .seconds(3),
                meters: [MeterConfiguration(name: "absent", address: 9, allowCommands: [])]
            )
            let session = try BusSession(bus, logger: Self.quiet)
            try await self.expectFailedPollsEqualPolls(session.meters[0].driver)
            await session.close()
        }
    }
}
