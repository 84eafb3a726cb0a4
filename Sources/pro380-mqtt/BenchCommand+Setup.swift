import Benchmarking
import Foundation
import Logging
import Outbox
import PRO380
import Simulator

/// Who is measured.
enum BenchSubject: String, Sendable {
    case floor, bridge
}

/// What every run of `bench compare` shares: the C programs, the plan and register image they read, and the
/// libmodbus stand-in serving that image on one free port per meter (a gateway each: the bridge keeps one bus per
/// host:port).
final class BenchSetup: Sendable {
    let tools: URL
    let work: URL
    let plan: FloorInputs.Plan
    /// The readings the bridge publishes per poll of one meter (instantaneous and energy groups).
    let bridgeValuesPerPoll: Int
    private let standin: BenchChild
    private let standinPorts: [Int]

    init(tools: URL, gateways: Int) async throws {
        self.tools = tools
        work = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        plan = FloorInputs.plan()
        try plan.text.write(to: work.appendingPathComponent("plan.txt"), atomically: true, encoding: .utf8)
        // A meter an hour into its household load: counters well away from zero, values a PRO380 shows.
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var settings = SimulatedMeterSettings()
        settings.pro1OnlyKeys = Set(RegisterTable.pro380.definitions.filter { $0.modbus?.pro1Only == true }.map(\.key))
        let model = try PRO380Model(settings: settings, profile: .household(seed: 1), start: start, stateFileURL: nil)
        let image = FloorInputs.registerImage(model: model, at: start.addingTimeInterval(3600))
        try image.write(to: work.appendingPathComponent("image.txt"), atomically: true, encoding: .utf8)
        bridgeValuesPerPoll = FloorInputs.valuesPerPoll(image: image, groups: [.instantaneous, .energy])
        standin = try BenchChild(
            tools.appendingPathComponent("standin").path,
            ["--image", work.appendingPathComponent("image.txt").path, "--listeners", "\(gateways)"],
            name: "standin"
        )
        let listening = try await standin.line(startingWith: "listening ")
        standinPorts = listening.text.split(separator: " ").dropFirst().compactMap { Int($0) }
    }

    /// Whether the floor publishes what the bridge publishes: one short run of each at 100 ms, the last payload of
    /// every reading topic of meter 1, compared with the time left out (both read the same static image).
    /// - Returns: the keys both publish with identical payloads, and a line per key that differs or is missing
    ///   from the bridge.
    func checkPayloads() async throws -> (identical: Int, differences: [String]) {
        var payloads: [BenchSubject: [String: String]] = [:]
        for subject in [BenchSubject.floor, .bridge] {
            payloads[subject] = try await run(
                subject,
                qos: 0,
                interval: 100,
                meters: 1,
                warmup: .milliseconds(1500),
                window: .milliseconds(500),
                dump: true
            ).payloads
        }
        let floor = payloads[.floor] ?? [:]
        let bridge = payloads[.bridge] ?? [:]
        var identical = 0
        var differences: [String] = []
        for topic in floor.keys.sorted() {
            let mine = Self.withoutTime(floor[topic]!)
            guard let theirs = bridge[topic].map(Self.withoutTime) else {
                differences.append("\(topic): the bridge published nothing")
                continue
            }
            if mine == theirs {
                identical += 1
            } else {
                differences.append("\(topic): floor \(mine), bridge \(theirs)")
            }
        }
        if floor.isEmpty { differences.append("the floor published nothing") }
        return (identical, differences)
    }

    /// A payload with its time replaced by its shape (`"time": "####-##-##T##:##:##.###Z"`).
    static func withoutTime(_ payload: String) -> String {
        guard let range = payload.range(of: "\"time\": \"") else { return payload }
        let stamp = payload[range.upperBound...].prefix(24)
        let shape = String(stamp.map { $0.isNumber ? "#" : $0 })
        return payload[..<range.upperBound] + shape + payload[range.upperBound...].dropFirst(24)
    }

    /// One run of `subject`: broker, subscriber, subject; warm-up; the measuring window; shutdown and the counts.
    func run(
        _ subject: BenchSubject,
        qos: Int,
        interval: Int,
        meters: Int,
        warmup: Duration,
        window: Duration,
        dump: Bool = false
    ) async throws -> (figures: RunFigures, payloads: [String: String]) {
        let broker = try await BenchBroker()
        let counter = try BenchChild(
            tools.appendingPathComponent("counter").path,
            ["--broker-port", "\(broker.port)", "--qos", "\(qos)", "--dump", dump ? "1" : "0"],
            name: "counter"
        )
        _ = try await counter.line(startingWith: "ready")
        let child: BenchChild
        let log = work.appendingPathComponent("\(subject.rawValue)-qos\(qos)-\(interval)ms-\(meters).log")
        let outboxFile = work.appendingPathComponent("outbox-\(broker.port)-q\(qos)-\(meters).sqlite").path
        switch subject {
        case .floor:
            child = try BenchChild(
                tools.appendingPathComponent("floor").path,
                [
                    "--plan", work.appendingPathComponent("plan.txt").path, "--modbus-ports",
                    standinPorts.prefix(meters).map(String.init).joined(separator: ","),
                    "--broker-port", "\(broker.port)", "--meters", "\(meters)", "--qos", "\(qos)",
                    "--interval-ms", "\(interval)", "--base", "bench",
                ],
                name: "floor",
                log: log
            )
        case .bridge:
            let config = work.appendingPathComponent("bridge.yaml")
            try BenchBridgeConfig.compare(
                brokerPort: broker.port,
                qos: qos,
                meters: meters,
                standinPorts: standinPorts,
                outbox: outboxFile
            ).write(to: config, atomically: true, encoding: .utf8)
            child = try BenchChild(
                Self.executable,
                ["bench", "bridge", "--config", config.path, "--interval-ms", "\(interval)"],
                name: "bridge",
                log: log
            )
        }
        try await Task.sleep(for: warmup)
        let (before, countBefore) = try await sample(child, counter)
        let started = ContinuousClock.now
        try await Task.sleep(for: window)
        let (after, countAfter) = try await sample(child, counter)
        let elapsed = ContinuousClock.now - started
        await child.stop()
        let cutByStop =
            subject == .bridge
            ? BridgeLogFigures.readingsCutByStop(log: (try? String(contentsOf: log, encoding: .utf8)) ?? "") : 0
        let keptInOutbox = subject == .bridge ? await Self.readingsKept(inOutbox: outboxFile) : 0
        try await waitUntilDrained(counter)
        await counter.stop()
        let (finalLine, finalIndex) = try await counter.line(startingWith: "final ")
        let final = finalLine.split(separator: " ").compactMap { Int($0) }
        var payloads: [String: String] = [:]
        for line in counter.lines.prefix(finalIndex) where line.hasPrefix("topic ") {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count == 3 { payloads[String(parts[1])] = String(parts[2]) }
        }
        await broker.stop()
        let figures = RunFigures(
            subject: subject.rawValue,
            qos: qos,
            intervalMilliseconds: interval,
            meters: meters,
            windowSeconds: elapsed.milliseconds / 1000,
            values: countAfter - countBefore,
            valuesPerPoll: subject == .floor ? plan.values.count : bridgeValuesPerPoll,
            cpuMilliseconds: (after.cpuSeconds - before.cpuSeconds) * 1000,
            residentKiB: after.residentKiB,
            peakResidentKiB: after.peakResidentKiB,
            published: final[3],
            received: final[1],
            dropped: max(final[2], 0),
            cutByStop: cutByStop,
            keptInOutbox: keptInOutbox
        )
        return (figures, payloads)
    }

    /// The readings (payloads `{"value": ...`) the bridge's outbox file at `path` still holds after the bridge
    /// ended: what its shutdown's deadline left unacknowledged, for its next start. 0 when there is no file.
    static func readingsKept(inOutbox path: String) async -> Int {
        guard FileManager.default.fileExists(atPath: path),
            let outbox = try? Outbox(.file(path), limits: OutboxLimits(maxBytes: .max, maxAge: .seconds(86_400)))
        else { return 0 }
        let prefix = Array("{\"value\": ".utf8)
        var count = 0
        var after: Int64 = 0
        while let entries = try? await outbox.read(after: after, limit: 4096), let last = entries.last {
            count += entries.count { $0.message.payload.starts(with: prefix) }
            after = last.id
        }
        await outbox.close()
        return count
    }

    /// Waits until the subscriber's count stops rising (the broker may still be delivering a backlog), 30 s at most.
    private func waitUntilDrained(_ counter: BenchChild) async throws {
        var last = -1
        for _ in 0..<100 {
            let skip = counter.lineCount
            counter.signal(SIGUSR1)
            let line = try await counter.line(startingWith: "count ", after: skip).text
            let count = Int(line.split(separator: " ")[1]) ?? 0
            if count == last { return }
            last = count
            try await Task.sleep(for: .milliseconds(300))
        }
    }

    /// The subject's CPU and memory and the subscriber's reading count, taken together.
    private func sample(_ child: BenchChild, _ counter: BenchChild) async throws -> (ProcessSample, Int) {
        let skip = counter.lineCount
        counter.signal(SIGUSR1)
        guard let figures = ProcessProbe.sample(pid: child.pid) else {
            throw DemoError("\(child.name) ended early: see its log in \(work.path)")
        }
        let line = try await counter.line(startingWith: "count ", after: skip).text
        return (figures, Int(line.split(separator: " ")[2]) ?? 0)
    }

    /// Peak RSS of programs that do nothing: this binary idle (every library of the bridge loaded), and the
    /// empty Swift programs scripts/bench.sh builds (stdlib only; Foundation imported).
    func baselines() async throws -> [String: Int] {
        var programs: [(String, String, [String])] = [
            ("pro380-mqtt bench idle (the bridge's imports)", Self.executable, ["bench", "idle"])
        ]
        for name in ["empty-swift", "empty-foundation"] {
            let path = tools.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { programs.append(("\(name) (swiftc -O)", path, [])) }
        }
        var figures: [String: Int] = [:]
        for (label, path, arguments) in programs {
            let child = try BenchChild(path, arguments, name: label)
            try await Task.sleep(for: .seconds(1))
            if let sample = ProcessProbe.sample(pid: child.pid) { figures[label] = sample.peakResidentKiB }
            await child.stop()
        }
        return figures
    }

    func stop() async { await standin.stop() }

    /// This binary, to start the bridge and the idle baseline from.
    static let executable =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]

    func cleanUp() { try? FileManager.default.removeItem(at: work) }
}
