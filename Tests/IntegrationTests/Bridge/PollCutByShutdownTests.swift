import Bridge
import Logging
import MQTT
import Outbox
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// A shutdown that cancels a poll between its transactions: the readings already read are published, the rest of
/// the poll is not read, and one log line says how many of each (what `bench` reads to tell a poll cut by its stop
/// from a lost reading).
@Suite(.serialized) struct PollCutByShutdownTests {
    @Test func aPollCutByShutdownPublishesWhatWasReadAndSaysWhatWasNot() async throws {
        // Modbus RTU on a real pseudo-terminal, each reply held back 300 ms (a slow meter): the first poll reads
        // every group, several blocks, so cancelling once the first reply went out lands mid-poll.
        let recorder = PacingRecorder()
        var meterSettings = SimulatedMeterSettings()
        // Every row answers (the PRO1-only rows too), so the poll is data blocks from its first reply on.
        meterSettings.pro1OnlyKeys = Set(
            RegisterTable.pro380.definitions.filter { $0.modbus?.pro1Only == true }.map(\.key)
        )
        var configuration = SimulatorConfiguration(endpoint: .pseudoTerminal, meters: [meterSettings])
        configuration.pacing = LinePacing(
            line: LineSettings(baudRate: 9600),
            turnaround: .milliseconds(300),
            recorder: recorder
        )
        let simulator = try RunningSimulator(configuration)
        defer { Task { await simulator.stop() } }
        let quiet = Logger(label: "cut", factory: { _ in SwiftLogNoOpLogHandler() })
        let capture = LogCapture()
        let bus = testBus(
            "slow",
            link: .modbusRTU(device: simulator.service.endpoint, settings: LineSettings(baudRate: 9600, parity: .none)),
            meters: [("main", 1)],
            interval: .seconds(60),
            timeout: .seconds(2)
        )
        let session = try BusSession(bus, logger: quiet)
        let outbox = try Outbox(.memory, limits: OutboxLimits(maxBytes: 16 << 20, maxAge: .seconds(3600)))
        let client = try MQTTClient(configuration: MQTTClientConfiguration(clientID: "cut"), logger: quiet)
        let publisher = Publisher(
            client: client,
            topics: TopicLayout(base: "pro380", clientID: "cut"),
            qos: .atMostOnce,
            outbox: outbox,
            logger: quiet
        )
        let meter = try #require(session.meters.first)
        let poller = MeterPoller(
            meter: "main",
            driver: meter.driver,
            intervals: meter.configuration.intervals,
            offlineAfter: 3,
            publisher: publisher,
            logger: capture.logger(label: "poller")
        )
        let polling = Task { await poller.run() }
        let answered = await eventually("the first reply of the first poll", timeout: .seconds(30)) {
            !recorder.transactions.isEmpty
        }
        #expect(answered)
        polling.cancel()
        await polling.value
        await session.close()
        await client.shutdown()

        let cut = capture.entries.filter { $0.message.hasPrefix("shutdown cut the poll short") }
        #expect(cut.count == 1, "\(capture.entries.map(\.message))")
        let entry = try #require(cut.first)
        #expect(entry.level == .info)
        #expect(entry.metadata["meter"] == "main")
        let published = try #require(entry.metadata["published"].flatMap { Int($0) })
        let notRead = try #require(entry.metadata["not_read"].flatMap { Int($0) })
        #expect(published > 0 && notRead > 0)
        // The client never connected: every reading the cut poll published waits in the outbox, and it is what
        // the line says; together with what was not read it is the whole poll.
        #expect(await outbox.statistics.count == published)
        let pollKeys = Set(RegisterTable.pro380.definitions.filter { $0.modbus != nil }.map(\.key))
        #expect(published + notRead <= pollKeys.count)
        // A cut is no failure of the meter: nothing at warning or above, no availability change.
        #expect(capture.messages(atLeast: .warning).isEmpty, "\(capture.messages(atLeast: .warning))")
        #expect(capture.entries.allSatisfy { !$0.message.hasPrefix("meter is") })
    }
}
