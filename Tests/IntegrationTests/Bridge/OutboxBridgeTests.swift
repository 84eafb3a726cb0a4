import Bridge
import Foundation
import Logging
import Outbox
import Simulator
import TestSupport
import Testing

/// The outbox inside the bridge: a full disk, and a damaged store at start (the real binary).
@Suite(.serialized) struct OutboxBridgeTests {
    /// A store that cannot grow (SQLite's `max_page_count` gives the same `SQLITE_FULL` as a full disk) while the
    /// broker is away: one error line, polling goes on, the readings that cannot be stored are counted as dropped;
    /// once the broker is back and the backlog is delivered, storing works again and says so.
    @Test func aFullDiskDropsAndCountsReadingsWhilePollingGoesOn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
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
            configuration.outbox = OutboxSettings(storage: .file(folder.appendingPathComponent("outbox.sqlite").path))
            configuration.outbox.maxPageCount = 16
            let capture = LogCapture()
            harness.startBridge(configuration, logger: capture.logger(label: "bridge", level: .info))
            let topic = harness.topic("main", "voltage_l1")
            try #require(await eventually("readings") { harness.log.last(topic) != nil })

            await harness.broker.stop()
            try #require(await eventually("the disk-full error") { !Self.storeErrors(capture).isEmpty })
            #expect(Self.storeErrors(capture).first?.contains("is full") == true, "\(Self.storeErrors(capture))")
            let requests = tap.requests.count
            await eventually("polling goes on") { tap.requests.count >= requests + 10 }
            #expect(Self.storeErrors(capture).count == 1, "one line, not one per poll: \(Self.storeErrors(capture))")

            try await harness.broker.restart()
            await eventually("storing again", timeout: .seconds(30)) {
                capture.messages(atLeast: .notice).contains { $0.contains("storing again") }
            }
            let diagnostics = "pro380/bridge/\(harness.clientID)/diagnostics"
            await eventually("drops counted in the diagnostics", timeout: .seconds(30)) {
                guard let json = harness.log.last(diagnostics).flatMap({ Self.object($0) }),
                    let outbox = json["outbox"] as? [String: Any], let dropped = outbox["dropped"] as? [String: Any]
                else { return false }
                return (dropped["write_failed"] as? Int ?? 0) > 0 && (json["dropped_messages"] as? Int ?? 0) > 0
            }
            let after = harness.log.on(topic).count
            await eventually("readings flow again") { harness.log.on(topic).count > after + 3 }
        }
    }

    /// The daemon's default outbox file belongs to the client id (`<state folder>/outbox-<client_id>.sqlite`): a
    /// config run with the client id of an earlier one whose meters differ finds that run's unsent readings in the
    /// real file, says once where they come from, and sends them as stored (nothing lost) along with its own.
    @Test func readingsLeftByAnotherConfigWithTheSameClientIDAreNamedAndSent() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-owner-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let path = state.appendingPathComponent("pro380-mqtt/outbox-shared-id.sqlite").path
        try FileManager.default.createDirectory(
            at: state.appendingPathComponent("pro380-mqtt"),
            withIntermediateDirectories: true
        )
        let earlier = #"{"value": 229.5, "unit": "V", "time": "2026-11-29T12:00:00.000Z"}"#
        let outbox = try Outbox(.file(path), limits: OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600)))
        _ = try await outbox.append([
            OutboxMessage(topic: "pro380/old-meter/voltage_l1", payload: Array(earlier.utf8), qos: 1, retain: true)
        ])
        await outbox.close()

        let broker = try await MosquittoBroker()
        let simulator = try RunningSimulator(SimulatorConfiguration())
        let recorder = try await MessageLog(port: broker.port, filters: ["pro380/#"])
        let config = state.appendingPathComponent("bridge.yaml").path
        try """
        mqtt: {port: \(broker.port), client_id: shared-id}
        homeassistant: {enabled: false}
        buses:
          - {name: gateway, modbus_tcp: {host: 127.0.0.1, port: \(simulator.service.port!)}, meters: [{name: main, address: 1, interval: 200ms}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let bridge = try ChildProcess(
            CLITests.binary,
            ["run", "--config", config],
            environment: ["XDG_STATE_HOME": state.path, "STATE_DIRECTORY": ""]
        )
        await eventually("the earlier run's reading sent") { recorder.last("pro380/old-meter/voltage_l1") == earlier }
        await eventually("this config's readings published") { recorder.last("pro380/main/voltage_l1") != nil }
        bridge.send(SIGTERM)
        #expect(await bridge.waitForExit() == 0)
        let notices = bridge.lines.filter { $0.contains("this config does not publish") }
        #expect(notices.count == 1, "\(bridge.lines.prefix(20))")
        #expect(notices.first?.contains("outbox \(path) also holds") == true, "\(notices)")
        #expect(notices.first?.contains("client id shared-id: pro380/old-meter (1 topic)") == true, "\(notices)")
        #expect(!(notices.first?.contains("pro380/main") ?? true), "\(notices)")
        await recorder.shutdown()
        await simulator.stop()
        await broker.stopAndRemove()
    }

    /// The replay line tells a backlog only when there is one: a new, empty outbox logs none (its start-up messages,
    /// stored while connecting, were once counted as "replaying 4 stored messages"), and a reconnect after an outage
    /// replays what was stored meanwhile; a file with three messages from an earlier run says three.
    @Test(arguments: [0, 3])
    func theReplayLineCountsOnlyARealBacklog(earlier: Int) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("outbox.sqlite").path
        let outbox = try Outbox(.file(path), limits: OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600)))
        let payload = Array(#"{"value": 229.5, "unit": "V", "time": "2026-11-29T12:00:00.000Z"}"#.utf8)
        for phase in 0..<earlier {
            _ = try await outbox.append([
                OutboxMessage(topic: "pro380/earlier/voltage_l\(phase + 1)", payload: payload, qos: 1, retain: true)
            ])
        }
        await outbox.close()
        try await BridgeHarness.run { try await Self.replayScenario($0, path: path, earlier: earlier) }
    }

    /// The bridge on the outbox at `path`: its start, an outage and the reconnect.
    static func replayScenario(_ harness: BridgeHarness, path: String, earlier: Int) async throws {
        let simulator = try harness.simulator(SimulatorConfiguration())
        var configuration = harness.configuration(
            buses: [
                testBus(
                    "gateway",
                    link: .modbusTCP(host: "127.0.0.1", port: simulator.service.port!),
                    meters: [("main", 1)],
                    interval: .milliseconds(200)
                )
            ],
            diagnosticsInterval: .milliseconds(300)
        )
        configuration.outbox = OutboxSettings(storage: .file(path))
        let capture = LogCapture()
        harness.startBridge(configuration, logger: capture.logger(label: "bridge", level: .info))
        let topic = harness.topic("main", "voltage_l1")
        try #require(await eventually("readings") { harness.log.last(topic) != nil })
        Self.expectStartLine(Self.replays(capture), earlier: earlier)
        await harness.broker.stop()
        let last = harness.log.on(topic).count
        await eventually("the outage noticed") {
            capture.messages(atLeast: .warning).contains { $0.contains("connection lost") }
        }
        try await harness.broker.restart()
        await eventually("the outage's backlog replayed", timeout: .seconds(30)) {
            capture.messages(atLeast: .notice).contains { $0.contains(" stored messages at ") }
        }
        await eventually("readings flow again") { harness.log.on(topic).count > last + 3 }
    }

    /// A new outbox replays nothing at start; one with `earlier` messages from before says that many.
    static func expectStartLine(_ lines: [String], earlier: Int) {
        if earlier == 0 {
            #expect(lines.isEmpty, "a new outbox replays nothing: \(lines)")
        } else {
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.hasPrefix("outbox: replaying \(earlier) messages stored before this start") == true)
        }
    }

    static func replays(_ capture: LogCapture) -> [String] {
        capture.messages(atLeast: .info).filter { $0.contains("replaying") }
    }

    static func storeErrors(_ capture: LogCapture) -> [String] {
        capture.messages(atLeast: .error).filter { $0.contains("cannot store messages") }
    }

    static func object(_ json: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    }

    enum Damage: String, CaseIterable, Sendable { case garbage, truncated }

    /// A damaged outbox file at start is moved aside with one clear log line, and the bridge runs on.
    @Test(arguments: Damage.allCases)
    func aDamagedStoreIsMovedAsideAndTheBridgeRunsOn(damage: Damage) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("outbox.sqlite").path
        switch damage {
        case .garbage:
            try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }).write(to: URL(fileURLWithPath: path))
        case .truncated:
            let outbox = try Outbox(.file(path), limits: OutboxLimits(maxBytes: 1 << 30, maxAge: .seconds(3600)))
            for batch in 0..<20 {
                _ = try await outbox.append(
                    (0..<100).map {
                        OutboxMessage(topic: "pro380/old/k\(batch)", payload: Array("\($0)".utf8), qos: 1, retain: true)
                    }
                )
            }
            await outbox.close()
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: UInt64(size / 2))
            try handle.close()
        }
        let broker = try await MosquittoBroker()
        let simulator = try RunningSimulator(SimulatorConfiguration())
        let recorder = try await MessageLog(port: broker.port, filters: ["pro380/#"])
        let config = folder.appendingPathComponent("bridge.yaml").path
        try """
        mqtt: {port: \(broker.port), client_id: damaged-outbox}
        outbox: {path: \(path)}
        homeassistant: {enabled: false}
        buses:
          - {name: gateway, modbus_tcp: {host: 127.0.0.1, port: \(simulator.service.port!)}, meters: [{name: main, address: 1, interval: 200ms}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let bridge = try ChildProcess(CLITests.binary, ["run", "--config", config])
        await eventually("readings published") { recorder.last("pro380/main/voltage_l1") != nil }
        bridge.send(SIGTERM)
        #expect(await bridge.waitForExit() == 0)
        let lines = bridge.lines.filter { $0.contains("is damaged") }
        #expect(lines.count == 1, "\(bridge.lines.suffix(20))")
        #expect(lines.first?.contains("moved aside to \(path).corrupt-") == true, "\(lines)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("corrupt-") }
        #expect(aside.contains { !$0.hasSuffix("-wal") }, "\(aside)")
        await recorder.shutdown()
        await simulator.stop()
        await broker.stopAndRemove()
    }
}
