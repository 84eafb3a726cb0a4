import ArgumentParser
import Benchmarking
import Foundation
import Logging
import MQTT
import Modbus
import PRO380
import SerialIO
import Simulator

/// `pro380-mqtt bench deadmeter`: healthy meters alone, then the same plus one that never answers, on one paced
/// Modbus RTU line; the healthy meters' cycle and the commands' wait for the line, side by side (issue 13 part 5).
struct BenchDeadMeterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadmeter",
        abstract: "Cycle time and command wait on one paced line: healthy meters alone, then with a dead one.",
        discussion: """
            The simulator paces Modbus RTU at --baud (8E1) and serves --meters meters; the dead meter has the next \
            unit id, which nobody answers. The bridge polls every meter flat out (every group every poll) with the \
            bus's default timeout unless --timeout-ms says otherwise. In each scenario the benchmark reads one key \
            of a healthy meter (`<base>/<meter>/<key>/get`, command priority) at random moments and measures, from \
            the simulator's record of the line, how long each command waited for its request to go out. Goals: \
            the dead scenario's cycle at most 1.1x the healthy one's; the longest wait at most 1.1x the longest \
            transaction. The dead scenario is measured after --warmup, once the dead meter's back-off is at its \
            longest (30 s).
            """
    )

    @Option(help: "Healthy meters on the line.")
    var meters: Int = 7

    @Option(help: "Line speed (8E1).")
    var baud: Int = 9600

    @Option(help: "The meters' turnaround (request end to reply start), milliseconds.")
    var turnaround: Int = 5

    @Option(help: "The bus's reply timeout, milliseconds (the modbus_rtu default).")
    var timeoutMs: Int = 500

    @Option(help: "Seconds before measuring the healthy scenario.")
    var healthyWarmup: Int = 8

    @Option(help: "Seconds before measuring the dead scenario (the back-off reaches 30 s after about 65 s).")
    var warmup: Int = 70

    @Option(help: "Measuring window of each scenario, seconds.")
    var window: Int = 60

    @Flag(help: "Print the figures as JSON instead of a table.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...246).contains(meters), baud >= 300, turnaround >= 0, timeoutMs >= 10 else {
            throw ValidationError(
                "--meters 1-246, --baud at least 300, --turnaround at least 0, --timeout-ms at least 10"
            )
        }
        guard window >= 10, warmup >= 0, healthyWarmup >= 0 else {
            throw ValidationError("--window at least 10 s, warm-ups at least 0")
        }
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        _ = global.bootstrapLogging()
        let figures = try await BenchBroker.withBroker { port in
            var figures: [DeadMeterFigures] = []
            for dead in [false, true] {
                let result = try await measure(dead: dead, brokerPort: port)
                BenchOutput.progress(
                    "\(result.scenario): \(String(format: "%.1f", result.cycleMilliseconds)) ms per cycle, \(result.commands) commands"
                )
                figures.append(result)
            }
            return figures
        }
        try BenchOutput.figures(figures, json: json) { DeadMeterReport.table(figures) }
    }

    private func measure(dead: Bool, brokerPort: Int) async throws -> DeadMeterFigures {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let recorder = PacingRecorder()
        var settings = SimulatorConfiguration.meters(count: meters)
        let pro1 = Set(RegisterTable.pro380.definitions.filter { $0.modbus?.pro1Only == true }.map(\.key))
        for index in settings.indices { settings[index].pro1OnlyKeys = pro1 }  // every row answers: a 3-block plan
        let line = LineSettings(baudRate: baud)
        var configuration = SimulatorConfiguration(endpoint: .pseudoTerminal, meters: settings)
        configuration.pacing = LinePacing(line: line, turnaround: .milliseconds(turnaround), recorder: recorder)
        let simulator = try SimulatorService(configuration: configuration, logger: quiet)
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-dead-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("bridge.yaml")
        try BenchBridgeConfig.deadMeter(
            device: simulator.endpoint,
            baud: baud,
            timeoutMilliseconds: timeoutMs,
            meters: meters + (dead ? 1 : 0),
            brokerPort: brokerPort,
            outbox: work.appendingPathComponent("outbox.sqlite").path
        ).write(to: config, atomically: true, encoding: .utf8)
        let bridge = try BenchChild(
            BenchSetup.executable,
            ["bench", "bridge", "--config", config.path, "--interval-ms", "0", "--all-groups"],
            name: "bridge",
            log: work.appendingPathComponent("bridge.log")
        )
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(port: brokerPort, clientID: "bench-deadmeter"),
            logger: quiet
        )
        try await client.connect()
        do {
            try await Self.sleep(seconds: dead ? warmup : healthyWarmup, bridge: bridge)
            recorder.reset()
            let clock = ContinuousClock()
            let start = clock.now
            let end = start + .seconds(window)
            var published: [ContinuousClock.Instant] = []
            // Commands at random moments, 1-3 s apart, to a healthy meter in the middle of the line's order.
            let target = (meters + 1) / 2
            while clock.now + .seconds(3) < end {
                let pause = Int.random(in: 1000...3000)
                try await Task.sleep(for: .milliseconds(pause))
                guard bridge.isRunning else { throw DemoError("the bridge ended: \(bridge.name)") }
                published.append(clock.now)
                try await client.publish(
                    MQTTMessageDraft(topic: "dead/m\(target)/\(Self.key)/get", payload: [], qos: .atLeastOnce)
                )
            }
            try await clock.sleep(until: end)
            let transactions = recorder.transactions
            await client.shutdown()
            await bridge.stop()
            return try Self.figures(
                transactions,
                published: published,
                dead: dead,
                healthy: meters,
                target: UInt8(target),
                window: window
            )
        } catch {
            await client.shutdown()
            await bridge.stop()
            throw error
        }
    }

    /// The key the commands read: one two-register value, a reply no poll block has.
    static let key = "voltage_l1"

    static func figures(
        _ transactions: [PacedTransaction],
        published: [ContinuousClock.Instant],
        dead: Bool,
        healthy: Int,
        target: UInt8,
        window: Int
    ) throws -> DeadMeterFigures {
        let firstBlock = WireTime.modbusRTU(WireTime.fullPollBlocks())[0].replyBytes
        let units = (1...healthy).map { UInt8($0) }
        guard
            let cycle = DeadMeterAnalysis.cycle(transactions, units: units, pollStartReplyBytes: firstBlock)
        else { throw DemoError("no meter was polled twice in the window") }
        let commandReply = 5 + 2 * (RegisterTable.pro380[key]?.modbus?.count ?? 2)
        let waits = DeadMeterAnalysis.commandWaits(
            published: published,
            transactions,
            unit: target,
            replyBytes: commandReply
        ).map(\.milliseconds)
        let longest = DeadMeterAnalysis.holdTimes(transactions).max() ?? .zero
        return DeadMeterFigures(
            scenario: dead ? "\(healthy) healthy + 1 dead" : "\(healthy) healthy",
            healthyMeters: healthy,
            deadMeters: dead ? 1 : 0,
            windowSeconds: Double(window),
            cycleMilliseconds: cycle.milliseconds,
            deadRequests: transactions.filter { $0.unit == UInt8(healthy + 1) }.count,
            commands: waits.count,
            medianWaitMilliseconds: median(waits),
            longestWaitMilliseconds: waits.max() ?? 0,
            longestTransactionMilliseconds: longest.milliseconds
        )
    }

    private static func sleep(seconds: Int, bridge: BenchChild) async throws {
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            guard bridge.isRunning else { throw DemoError("the bridge ended: \(bridge.name)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// The dead-meter figures as a table, the ratios against the healthy scenario.
enum DeadMeterReport {
    static func table(_ figures: [DeadMeterFigures]) -> String {
        let healthy = figures.first { $0.deadMeters == 0 }
        var lines = [
            "scenario                 cycle ms  cycle ratio  dead requests  commands  median wait ms  longest wait ms  longest transaction ms  wait/transaction"
        ]
        for f in figures {
            let ratio = healthy.map { f.cycleMilliseconds / $0.cycleMilliseconds } ?? 0
            lines.append(
                f.scenario.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(
                        format: " %8.1f %11.3f %14d %9d %15.1f %16.1f %23.1f %17.3f%@",
                        f.cycleMilliseconds,
                        ratio,
                        f.deadRequests,
                        f.commands,
                        f.medianWaitMilliseconds,
                        f.longestWaitMilliseconds,
                        f.longestTransactionMilliseconds,
                        f.waitRatio,
                        ratio <= 1.1 && f.waitRatio <= 1.1 ? "" : "  (goals 1.1)"
                    )
            )
        }
        return lines.joined(separator: "\n")
    }
}
