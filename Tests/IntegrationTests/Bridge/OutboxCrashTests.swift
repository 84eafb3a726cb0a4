import Foundation
import Outbox
import PRO380
import Simulator
import TestSupport
import Testing

@testable import Bridge

/// Issue 10's acceptance case with the real `pro380-mqtt run` binary: three meters polled every second, the broker
/// stopped (a persistent mosquitto: retained values and a persistent subscriber session survive the restart), the
/// bridge killed with SIGKILL in the middle of the outage and again in the middle of the replay, each time started
/// again on the same outbox file.
///
/// The outage lasts `PRO380_OUTBOX_OUTAGE` seconds (default 16; `scripts/outbox-soak.sh` runs it with 60).
@Suite(.serialized) struct OutboxCrashTests {
    static let outage = Double(ProcessInfo.processInfo.environment["PRO380_OUTBOX_OUTAGE"] ?? "") ?? 16

    struct Fixture {
        let folder: URL
        let broker: MosquittoBroker
        let simulator: RunningSimulator
        let tap: ModbusWireTap
        let recorder: MessageLog
        var outboxPath: String { folder.appendingPathComponent("state/outbox.sqlite").path }
        var configPath: String { folder.appendingPathComponent("bridge.yaml").path }

        func startBridge() throws -> ChildProcess {
            try ChildProcess(CLITests.binary, ["run", "--config", configPath, "--log-level", "notice"])
        }

        /// What the outbox file holds (read while no bridge runs, or beside a running one: WAL readers).
        func stored() async throws -> [OutboxMessage] {
            let outbox = try Outbox(.file(outboxPath), limits: OutboxLimits(maxBytes: 1 << 30, maxAge: .seconds(3600)))
            let entries = try await outbox.read(after: 0, limit: 1 << 30)
            await outbox.close()
            return entries.map(\.message)
        }

        /// Reads of the block holding `key` that meter `unit` answered (exception responses not counted: the
        /// bridge learns the PRO1-only refusals again at each start). The register-map check's probe is no poll: at
        /// each start, when the meter's first answer is exception 02, the driver reads one probe row alone
        /// (`ModbusMeterDriver.mapProbeKeys`) and publishes nothing from it.
        func polls(unit: Int, key: String) -> Int {
            guard let address = RegisterTable.pro380[key]?.modbus?.address else { return 0 }
            return tap.answered.filter {
                $0.unit == unit && $0.function == 0x03 && $0.address <= address && address < Int($0.address) + $0.count
                    && !Self.isMapProbe(address: Int($0.address), count: $0.count)
            }.count
        }

        /// A read of exactly one of the register-map check's probe rows.
        static func isMapProbe(address: Int, count: Int) -> Bool {
            ModbusMeterDriver.mapProbeKeys.contains {
                RegisterTable.pro380[$0]?.modbus.map { Int($0.address) == address && $0.count == count } ?? false
            }
        }

        /// `pro380/m<unit>/<key>` of every Modbus key of the three meters.
        var readingTopics: [(topic: String, unit: Int, key: String)] {
            (1...3).flatMap { unit in pro380ModbusKeys.map { ("pro380/m\(unit)/\($0)", unit, $0) } }
        }

        /// The received readings per topic, in arrival order, duplicates removed (first arrival kept).
        func readings() -> [String: [PublishedReading]] {
            var seen = Set<String>()
            var byTopic: [String: [PublishedReading]] = [:]
            for entry in recorder.all {
                guard let reading = PublishedReading(entry.payload), seen.insert(entry.topic + entry.payload).inserted
                else { continue }
                byTopic[entry.topic, default: []].append(reading)
            }
            return byTopic
        }
    }

    @Test func noReadingIsLostWhenTheBridgeIsKilledDuringAnOutageAndDuringTheReplay() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let broker = try await MosquittoBroker(persistent: true)
        let simulator = try RunningSimulator(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 3)))
        let tap = try ModbusWireTap(targetPort: simulator.service.port!)
        let tapTask = Task { await tap.run() }
        let recorder = try await MessageLog(
            port: broker.port,
            filters: ["pro380/+/+"],
            clientID: "outbox-recorder",
            persistentSession: true
        )
        let fixture = Fixture(folder: folder, broker: broker, simulator: simulator, tap: tap, recorder: recorder)
        var bridge: ChildProcess?
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try """
            mqtt: {host: 127.0.0.1, port: \(broker.port), client_id: outbox-crash, base_topic: pro380}
            outbox: {path: state/outbox.sqlite, replay_rate: 250}
            homeassistant: {enabled: false}
            buses:
              - name: gateway
                modbus_tcp: {host: 127.0.0.1, port: \(tap.port)}
                meters:
                  - {name: m1, address: 1, interval: 1s}
                  - {name: m2, address: 2, interval: 1s}
                  - {name: m3, address: 3, interval: 1s}
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
            bridge = try fixture.startBridge()
            try await run(fixture, bridge: &bridge)
        } catch {
            Issue.record("\(error)\nbridge output:\n\(bridge?.lines.suffix(40).joined(separator: "\n") ?? "")")
        }
        bridge?.send(SIGKILL)
        _ = await bridge?.waitForExit()
        await recorder.shutdown()
        tapTask.cancel()
        await tapTask.value
        await simulator.stop()
        await broker.stopAndRemove()
    }

    private func run(_ fixture: Fixture, bridge: inout ChildProcess?) async throws {
        let half = Duration.milliseconds(Int64(Self.outage * 500))
        try #require(
            await eventually("live readings of the three meters") {
                (1...3).allSatisfy { fixture.recorder.last("pro380/m\($0)/voltage_l1") != nil }
            }
        )
        await fixture.broker.stop()
        let stopped = Date()
        try await Task.sleep(for: half)

        // Killed in the middle of the outage: what it stored is on disk.
        bridge?.send(SIGKILL)
        _ = await bridge?.waitForExit()
        let atFirstKill = try await fixture.stored()
        #expect(atFirstKill.count >= 3 * 20, "the outage's readings are stored: \(atFirstKill.count)")
        bridge = try fixture.startBridge()
        try await Task.sleep(for: half)
        try await fixture.broker.restart()
        let back = Date()

        // Killed again in the middle of the replay.
        let inOutage = { (reading: PublishedReading) in reading.time > stopped && reading.time < back }
        try #require(
            await eventually("the replay under way", timeout: .seconds(90)) {
                fixture.readings().values.joined().filter(inOutage).count >= 400
            }
        )
        bridge?.send(SIGKILL)
        _ = await bridge?.waitForExit()
        let atSecondKill = try await fixture.stored()
        #expect(!atSecondKill.isEmpty, "killed before the replay ended")
        bridge = try fixture.startBridge()
        try await bridge?.waitForLine { $0.contains("wait from before") }

        // Everything either process had stored arrives, and every poll the meters answered is there, but for the
        // replies in the air at each kill (one poll per meter per kill at most).
        // (The recorder listens to the meters' topics, `pro380/+/+`, not to the bridge's own diagnostics.)
        let expected = Set(
            (atFirstKill + atSecondKill).filter { !$0.topic.hasPrefix("pro380/bridge/") }
                .map { $0.topic + String(decoding: $0.payload, as: UTF8.self) }
        )
        let pollsSoFar = fixture.readingTopics.map { fixture.polls(unit: $0.unit, key: $0.key) }
        await eventually("every stored message delivered", timeout: .seconds(150)) {
            expected.subtracting(fixture.recorder.all.map { $0.topic + $0.payload }).isEmpty
        }
        let missing = expected.subtracting(fixture.recorder.all.map { $0.topic + $0.payload })
        #expect(
            missing.isEmpty,
            "\(missing.count) of \(expected.count) stored messages never arrived, e.g. \(missing.sorted().prefix(5)); first kill \(atFirstKill.count), second \(atSecondKill.count), received \(fixture.recorder.all.count); bridge: \(bridge?.lines.suffix(20).joined(separator: "\n") ?? "")"
        )
        await eventually("every answered poll of every key delivered", timeout: .seconds(60)) {
            let readings = fixture.readings()
            return zip(fixture.readingTopics, pollsSoFar).allSatisfy { entry, polls in
                (readings[entry.topic]?.count ?? 0) >= polls - 2
            }
        }
        // Graceful stop: nothing more is published after this.
        bridge?.send(SIGTERM)
        #expect(await bridge?.waitForExit() == 0)

        let readings = fixture.readings()
        var inOrder = 0
        for (topic, received) in readings {
            // The outage's readings (all replayed) arrive in their order, with their original timestamps.
            let replayed = received.filter(inOutage).map(\.time)
            #expect(replayed == replayed.sorted(), "\(topic): replayed out of order")
            if replayed == replayed.sorted() { inOrder += 1 }
        }
        #expect(Set(readings.keys) == Set(fixture.readingTopics.map(\.topic)), "every key of every meter arrived")
        #expect(readings.values.joined().filter(inOutage).count >= 3 * 40 * Int(Self.outage / 2))
        // Duplicate readings only as QoS 1 redelivery: by the bridge, of a message stored and unacknowledged at a
        // kill, or by the broker, to the persistent subscriber session after its restart, of a reading from before
        // the outage. (Readings only: a meter's `availability` and `diagnostics` repeat a payload legitimately,
        // `online` at each start.)
        var seen = Set<String>()
        let duplicates = fixture.recorder.all.filter {
            PublishedReading($0.payload) != nil && !seen.insert($0.topic + $0.payload).inserted
        }
        let redelivered = duplicates.filter { expected.contains($0.topic + $0.payload) }
        let fromBeforeTheOutage = duplicates.filter {
            !expected.contains($0.topic + $0.payload) && PublishedReading($0.payload)!.time < stopped
        }
        let unexplained = duplicates.filter {
            !expected.contains($0.topic + $0.payload) && PublishedReading($0.payload)!.time >= stopped
        }
        #expect(unexplained.isEmpty, "duplicates not explained by a redelivery: \(unexplained.prefix(5))")

        // The retained value of every reading topic is its newest reading.
        let retained = try await MessageLog(port: fixture.broker.port, filters: ["pro380/+/+"])
        await eventually("retained values") { retained.all.count >= readings.count }
        var newestRetained = 0
        for (topic, received) in readings {
            let newest = received.map(\.time).max()
            let kept = retained.on(topic).first.flatMap { PublishedReading($0.payload)?.time }
            #expect(kept == newest, "\(topic)")
            if kept == newest { newestRetained += 1 }
        }
        await retained.shutdown()

        // The figures scripts/outbox-soak.sh prints (docs/outbox.md): polls sent per key (the tap, counted after the
        // graceful stop) against readings received; a poll whose reply was in the air at a kill has no reading.
        let shortfalls = fixture.readingTopics.map {
            fixture.polls(unit: $0.unit, key: $0.key) - (readings[$0.topic]?.count ?? 0)
        }
        let short = zip(fixture.readingTopics, shortfalls).filter { $0.1 > 2 }.map { "\($0.0.topic): \($0.1)" }
        #expect(shortfalls.allSatisfy { $0 <= 2 }, "readings of answered polls missing: \(short.prefix(10))")
        print(
            """
            outbox figures: \(Int(Self.outage)) s outage, 3 meters polled every 1 s, SIGKILL \(Int(Self.outage / 2)) s into \
            the outage and again during the replay
              topics: \(readings.count) of \(fixture.readingTopics.count) (3 meters x \(pro380ModbusKeys.count) keys)
              stored at the first kill: \(atFirstKill.count), at the second: \(atSecondKill.count); \
            never delivered: \(missing.count) of \(expected.count)
              readings received: \(readings.values.map(\.count).reduce(0, +)) distinct \
            (\(fixture.recorder.all.count) messages); timestamped inside the outage (replayed): \
            \(readings.values.joined().filter(inOutage).count)
              per key, polls answered minus readings received: min \(shortfalls.min() ?? 0), \
            max \(shortfalls.max() ?? 0) (at most a reply in the air at each of the two kills)
              replayed in order with original timestamps: \(inOrder) of \(readings.count) topics
              duplicate readings (QoS 1 redelivery): \(duplicates.count): \(redelivered.count) by the bridge (stored, unacknowledged \
            at a kill), \(fromBeforeTheOutage.count) by the broker after its restart (sent before the outage)
              retained value = newest reading: \(newestRetained) of \(readings.count) topics
            """
        )
    }
}
