import Bridge
import Foundation
import Logging
import Outbox
import Simulator
import TestSupport
import Testing

/// A restart with a backlog replays the readings but not a state superseded since: a live subscriber of a meter's
/// availability never sees the previous run's `offline` after this run said `online` (the flap Home Assistant took
/// for the meter going away).
@Suite(.serialized) struct StateReplayTests {
    /// Run 1 polls, loses its broker, polls on into the outbox and is stopped (its `offline` is stored, unsent).
    /// Run 2 starts on the same file with the broker back: a subscriber that was there from the start sees only
    /// `online` on the availability topic until run 2 stops (then its own `offline`), every stored reading arrives,
    /// and the stale `offline` is gone from the file without having been sent.
    @Test func aRestartWithABacklogReplaysReadingsButNoStaleOffline() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("outbox.sqlite").path
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration())
            let tap = try harness.tap(simulator.service.port!)
            var configuration = harness.configuration(
                buses: [
                    testBus(
                        "gateway",
                        link: .modbusTCP(host: "127.0.0.1", port: tap.port),
                        meters: [("main", 1)],
                        interval: .milliseconds(200)
                    )
                ],
                diagnosticsInterval: .milliseconds(300)
            )
            configuration.outbox = OutboxSettings(storage: .file(path))
            let availability = harness.topic("main", "availability")

            // Run 1: online, then an outage long enough for a few polls to wait in the outbox, then a stop.
            let first = LogCapture()
            harness.startBridge(configuration, logger: first.logger(label: "bridge", level: .info))
            try #require(await eventually("run 1 online") { harness.log.last(availability) == "online" })
            await harness.broker.stop()
            try #require(
                await eventually("the outage noticed") {
                    first.messages(atLeast: .warning).contains { $0.contains("connection lost") }
                }
            )
            let requests = tap.requests.count
            try #require(await eventually("polls during the outage") { tap.requests.count >= requests + 6 })
            await harness.stopBridge()

            let backlog = try await Self.stored(path)
            let stale = try #require(backlog.last { $0.message.topic == availability }, "\(backlog.count) stored")
            #expect(stale.message.payload == Array("offline".utf8), "run 1 stored its offline at the stop")
            let readings = backlog.filter { !Self.isState($0.message.topic) }
            #expect(readings.count > 10, "a backlog of readings: \(readings.count)")

            // Run 2, with a subscriber there from before its start.
            try await harness.broker.restart()
            let subscriber = try await MessageLog(port: harness.broker.port, filters: ["\(harness.base)/#"])
            harness.onFinish { await subscriber.shutdown() }
            let second = LogCapture()
            harness.startBridge(configuration, logger: second.logger(label: "bridge", level: .debug))
            try #require(
                await eventually("every stored reading replayed", timeout: .seconds(60)) {
                    readings.allSatisfy { subscriber.payloads($0.message.topic).contains(Self.text($0)) }
                }
            )
            try #require(await eventually("run 2 online") { subscriber.last(availability) == "online" })
            await harness.stopBridge()
            try #require(await eventually("run 2's offline at its stop") { subscriber.last(availability) == "offline" })

            let seen = subscriber.payloads(availability)
            #expect(Array(seen.dropLast()).allSatisfy { $0 == "online" }, "availability seen: \(seen)")
            #expect(seen.count >= 2, "\(seen)")
            let skipped = second.messages(atLeast: .debug).filter { $0.contains("not replayed") }
            #expect(!skipped.isEmpty, "the superseded states are said at debug level")
            let left = try await Self.stored(path).filter { $0.id <= backlog.last!.id }
            #expect(left.isEmpty, "the backlog was sent or finished: \(left.map(\.message.topic))")
        }
    }

    /// Everything the outbox file holds (opened while no bridge runs).
    static func stored(_ path: String) async throws -> [OutboxEntry] {
        let outbox = try Outbox(.file(path), limits: OutboxLimits(maxBytes: 1 << 26, maxAge: .seconds(3600)))
        let entries = try await outbox.read(after: 0, limit: 100_000)
        await outbox.close()
        return entries
    }

    static func isState(_ topic: String) -> Bool { topic.hasSuffix("/availability") || topic.hasSuffix("/diagnostics") }

    static func text(_ entry: OutboxEntry) -> String { String(decoding: entry.message.payload, as: UTF8.self) }
}
