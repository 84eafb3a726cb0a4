import Bridge
import Logging
import MQTT
import Outbox
import PRO380
import Simulator
import TestSupport
import Testing

/// Issue 13 part 5: a meter that never answers costs its neighbours on the bus nothing once it is in back-off.
@Suite(.serialized) struct DeadMeterTests {
    static let quiet = Logger(label: "dead-meter", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Two healthy meters and one absent unit on one bus, each with its own poller: the absent one's polls fail
    /// at the next slot, then after 1 s, 2 s, 4 s; during its back-off it takes no transaction while its
    /// neighbours are read all along.
    @Test func deadMeterInBackOffTakesNoTransactions() async throws {
        let simulator = try RunningSimulator(
            SimulatorConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: 0),
                meters: SimulatorConfiguration.meters(count: 2)
            )
        )
        defer { Task { await simulator.stop() } }
        let bus = testBus(
            "shared",
            link: simulator.tcpLink,
            meters: [("a", 1), ("b", 2), ("dead", 9)],
            interval: .milliseconds(20),
            timeout: .milliseconds(300)
        )
        let session = try BusSession(bus, logger: Self.quiet)
        let client = try MQTTClient(configuration: MQTTClientConfiguration(clientID: "dead-meter"), logger: Self.quiet)
        let publisher = Publisher(
            client: client,
            topics: TopicLayout(base: "pro380", clientID: "dead-meter"),
            qos: .atMostOnce,
            outbox: try Outbox(.memory, limits: OutboxLimits(maxBytes: 16 << 20, maxAge: .seconds(3600))),
            logger: Self.quiet
        )
        let pollers = session.meters.map { meter in
            let poller = MeterPoller(
                meter: meter.configuration.name,
                driver: meter.driver,
                intervals: meter.configuration.intervals,
                offlineAfter: 3,
                publisher: publisher,
                logger: Self.quiet
            )
            return Task { await poller.run() }
        }
        let healthy = session.meters[0].driver
        let dead = session.meters[2].driver

        // Failures at the first slot, the next one, then after 1 s and 2 s: the fourth starts a 4 s back-off.
        let reached = await eventually("the dead meter's fourth poll", timeout: .seconds(30)) {
            await dead.diagnostics().transactions >= 4
        }
        #expect(reached)
        let clock = ContinuousClock()
        let inBackOff = clock.now
        let before = await dead.diagnostics()
        let healthyBefore = await healthy.diagnostics().polls
        let neighbourRead = await eventually("ten more polls of a neighbour", timeout: .seconds(30)) {
            await healthy.diagnostics().polls >= healthyBefore + 10
        }
        #expect(neighbourRead)
        let elapsed = clock.now - inBackOff
        let after = await dead.diagnostics()
        #expect(before.transactions == 4 && before.timeouts == 4 && before.failedPolls == 4, "\(before.json)")
        // Each poll of the dead meter is one transaction (one timeout), and none starts in the 4 s back-off: a
        // loaded machine that took longer than that for ten neighbour polls may have seen the one probe after it.
        let allowed = elapsed < .seconds(4) ? 4 : 5 + Int(elapsed / .seconds(8))
        #expect(after.transactions <= allowed, "\(after.json) after \(elapsed)")
        #expect(after.transactions == after.polls, "one probe transaction per poll: \(after.json)")
        #expect(await healthy.diagnostics().failedPolls == 0)

        for poller in pollers { poller.cancel() }
        for poller in pollers { await poller.value }
        await session.close()
        await client.shutdown()
        await publisher.close()
    }
}
