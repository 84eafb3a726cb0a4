import Foundation
import Outbox
import PRO380
import Simulator
import TestSupport
import Testing

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

        /// Polls each meter's instantaneous block was asked for (the block holding voltage_l1), per unit.
        func polls(unit: Int) -> Int {
            let address = RegisterTable.pro380["voltage_l1"]!.modbus!.address
            return tap.requests.filter {
                $0.unit == unit && $0.function == 0x03 && $0.address <= address && address < Int($0.address) + $0.count
            }.count
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
        let killedAgain = Date()
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
        let pollsSoFar = (1...3).map(fixture.polls(unit:))
        await eventually("every stored message delivered", timeout: .seconds(150)) {
            expected.subtracting(fixture.recorder.all.map { $0.topic + $0.payload }).isEmpty
        }
        let missing = expected.subtracting(fixture.recorder.all.map { $0.topic + $0.payload })
        #expect(
            missing.isEmpty,
            "\(missing.count) of \(expected.count) stored messages never arrived, e.g. \(missing.sorted().prefix(5)); first kill \(atFirstKill.count), second \(atSecondKill.count), received \(fixture.recorder.all.count); bridge: \(bridge?.lines.suffix(20).joined(separator: "\n") ?? "")"
        )
        await eventually("every answered poll delivered", timeout: .seconds(60)) {
            let readings = fixture.readings()
            return (1...3).allSatisfy { meter in
                (readings["pro380/m\(meter)/voltage_l1"]?.count ?? 0) >= pollsSoFar[meter - 1] - 2
            }
        }
        // Graceful stop: nothing more is published after this.
        bridge?.send(SIGTERM)
        #expect(await bridge?.waitForExit() == 0)

        let readings = fixture.readings()
        for (topic, received) in readings {
            // The outage's readings (all replayed) arrive in their order, with their original timestamps.
            let replayed = received.filter(inOutage).map(\.time)
            #expect(replayed == replayed.sorted(), "\(topic): replayed out of order")
        }
        #expect(readings.values.joined().filter(inOutage).count >= 3 * 40 * Int(Self.outage / 2))
        // Duplicates only where a kill cut the delivery short (resent from the store after the restart).
        var seen = Set<String>()
        let duplicates = fixture.recorder.all.filter { !seen.insert($0.topic + $0.payload).inserted }
        for duplicate in duplicates {
            let time = try #require(PublishedReading(duplicate.payload)?.time ?? Optional(Date.distantPast))
            #expect(time < killedAgain, "a duplicate not explained by a kill: \(duplicate.topic) \(duplicate.payload)")
        }

        // The retained value of every reading topic is its newest reading.
        let retained = try await MessageLog(port: fixture.broker.port, filters: ["pro380/+/+"])
        await eventually("retained values") { retained.all.count >= readings.count }
        for (topic, received) in readings {
            let newest = received.map(\.time).max()
            #expect(retained.on(topic).first.flatMap { PublishedReading($0.payload)?.time } == newest, "\(topic)")
        }
        await retained.shutdown()
    }
}
