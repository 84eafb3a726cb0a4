import ArgumentParser
import Benchmarking
import Foundation
import Logging
import MQTT
import Simulator
import Synchronization

/// `pro380-mqtt bench scale`: many meters behind many Modbus TCP gateways (issue 13 part 4): the bridge's CPU,
/// RSS and threads at each step of a meter sweep at the production interval, the memory slope per meter, and a
/// growth run of many cycles at a shorter interval.
struct BenchScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "1000 meters behind 100 Modbus TCP gateways: CPU, RSS, slope per meter, threads, growth.",
        discussion: """
            Simulated gateways (in this process, --meters-per-gateway meters each at unit ids 1..N) serve the \
            bridge, which polls every meter at --interval-ms. For each step of --steps (meters) the bridge starts \
            afresh; after --warmup seconds its CPU time (its CPU clock: every thread) over --window seconds gives \
            the CPU share of one core, and /proc/PID/status its RSS and threads. Slope: (RSS at the last step - RSS \
            at the first) / (meters between). Growth: --growth-meters meters at --growth-interval-ms for \
            --growth-seconds, RSS and threads sampled every --growth-sample seconds, the polls counted from one \
            meter's published readings. Goals (issue 13): CPU <= 20 % of one core at 1000 meters every 10 s, slope \
            <= 32 KiB per meter, no growth.
            """
    )

    @Option(help: "Meter counts of the sweep, comma-separated (multiples of --meters-per-gateway).")
    var steps: String = "100,500,1000"

    @Option(help: "Meters behind each gateway.")
    var metersPerGateway: Int = 10

    @Option(help: "Poll interval of every meter in the sweep, milliseconds.")
    var intervalMs: Int = 10_000

    @Option(help: "Seconds after the bridge starts before measuring.")
    var warmup: Int = 25

    @Option(help: "Measuring window of each step, seconds.")
    var window: Int = 60

    @Option(help: "Meters of the growth run (0: no growth run).")
    var growthMeters: Int = 20

    @Option(help: "Poll interval of the growth run, milliseconds.")
    var growthIntervalMs: Int = 100

    @Option(help: "Length of the growth run, seconds.")
    var growthSeconds: Int = 300

    @Option(help: "Seconds between the growth run's samples.")
    var growthSample: Int = 30

    @Flag(help: "Print the figures as JSON instead of a table.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        let counts = BenchCompareCommand.integers(steps)
        guard metersPerGateway >= 1, metersPerGateway <= 247, !counts.isEmpty,
            counts.allSatisfy({ $0 >= metersPerGateway && $0 % metersPerGateway == 0 })
        else { throw ValidationError("--steps: multiples of --meters-per-gateway (1-247)") }
        guard growthMeters == 0 || growthMeters % metersPerGateway == 0 else {
            throw ValidationError("--growth-meters: a multiple of --meters-per-gateway")
        }
        guard intervalMs >= 0, growthIntervalMs >= 0, window >= 5, warmup >= 0, growthSample >= 1,
            growthSeconds >= 2 * growthSample
        else { throw ValidationError("windows and intervals must be positive; --growth-seconds >= 2 samples") }
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        _ = global.bootstrapLogging()
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let counts = BenchCompareCommand.integers(steps)
        let gateways = max(counts.max()!, growthMeters) / metersPerGateway
        let simulators = try SimulatorConfiguration.gateways(gateways, metersPerGateway: metersPerGateway).map {
            try SimulatorService(configuration: $0, logger: quiet)
        }
        let serving = Task {
            await withTaskGroup(of: Void.self) { group in
                for simulator in simulators { group.addTask { try? await simulator.run() } }
            }
        }
        defer { serving.cancel() }
        let report = try await BenchBroker.withBroker { port in
            var report = ScaleReport(metersPerGateway: metersPerGateway, intervalMilliseconds: intervalMs)
            for count in counts {
                let step = try await sweepStep(meters: count, simulators: simulators, brokerPort: port)
                BenchOutput.progress(
                    "\(count) meters: \(String(format: "%.1f", step.cpuPercent)) % CPU, \(step.residentKiB) KiB, \(step.threads) threads"
                )
                report.steps.append(step)
            }
            if growthMeters > 0 {
                report.growth = try await growthRun(simulators: simulators, brokerPort: port)
            }
            return report
        }
        try BenchOutput.figures(report, json: json) { report.table }
    }

    private func sweepStep(meters: Int, simulators: [SimulatorService], brokerPort: Int) async throws -> ScaleStep {
        try await withBridge(meters: meters, interval: intervalMs, simulators: simulators, brokerPort: brokerPort) {
            bridge,
            polls in
            try await Self.sleep(seconds: warmup, bridge: bridge)
            let first = try Self.sample(bridge)
            let pollsBefore = polls.count
            try await Self.sleep(seconds: window, bridge: bridge)
            let last = try Self.sample(bridge)
            return ScaleStep(
                meters: meters,
                gateways: meters / metersPerGateway,
                windowSeconds: Double(window),
                cpuSeconds: last.cpuSeconds - first.cpuSeconds,
                residentKiB: last.residentKiB,
                peakResidentKiB: last.peakResidentKiB,
                threads: last.threads,
                polls: polls.count - pollsBefore
            )
        }
    }

    private func growthRun(simulators: [SimulatorService], brokerPort: Int) async throws -> ScaleGrowth {
        try await withBridge(
            meters: growthMeters,
            interval: growthIntervalMs,
            simulators: simulators,
            brokerPort: brokerPort
        ) { bridge, polls in
            var samples: [ScaleGrowth.Sample] = []
            let clock = ContinuousClock()
            let start = clock.now
            for n in 1...(growthSeconds / growthSample) {
                try await clock.sleep(until: start + .seconds(n * growthSample))
                guard bridge.isRunning else { throw DemoError("the bridge ended: \(bridge.name)") }
                let sample = try Self.sample(bridge)
                samples.append(
                    ScaleGrowth.Sample(
                        seconds: Double(n * growthSample),
                        polls: polls.count,
                        residentKiB: sample.residentKiB,
                        threads: sample.threads,
                        cpuSeconds: sample.cpuSeconds
                    )
                )
                FileHandle.standardError.write(
                    Data("  growth: \(polls.count) polls, \(sample.residentKiB) KiB, \(sample.threads) threads\n".utf8)
                )
            }
            return ScaleGrowth(meters: growthMeters, intervalMilliseconds: growthIntervalMs, samples: samples)
        }
    }

    /// Runs the bridge on the first `meters / metersPerGateway` gateways, counting the polls of the first meter
    /// (its `voltage_l1` readings) while `body` runs.
    private func withBridge<T>(
        meters: Int,
        interval: Int,
        simulators: [SimulatorService],
        brokerPort: Int,
        _ body: (BenchChild, PollCount) async throws -> T
    ) async throws -> T {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("bridge.yaml")
        try BenchBridgeConfig.scale(
            gateways: simulators.prefix(meters / metersPerGateway).map { $0.port! },
            metersPerGateway: metersPerGateway,
            brokerPort: brokerPort,
            outbox: work.appendingPathComponent("outbox.sqlite").path
        ).write(to: config, atomically: true, encoding: .utf8)
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(port: brokerPort, clientID: "bench-scale-counter"),
            logger: quiet
        )
        try await client.connect()
        let polls = PollCount()
        let messages = client.messages()
        let counting = Task {
            // Every reading of the meter counts (this client sees them with the retain flag set); the one retained
            // reading the broker hands over on subscribing falls before any window.
            for await _ in messages { polls.add() }
        }
        try await client.subscribe(["scale/g1m1/voltage_l1"], qos: .atMostOnce)
        let bridge = try BenchChild(
            BenchSetup.executable,
            ["bench", "bridge", "--config", config.path, "--interval-ms", "\(interval)"],
            name: "bridge",
            log: work.appendingPathComponent("bridge.log")
        )
        do {
            let result = try await body(bridge, polls)
            await bridge.stop()
            counting.cancel()
            await client.shutdown()
            return result
        } catch {
            await bridge.stop()
            counting.cancel()
            await client.shutdown()
            throw error
        }
    }

    private static func sample(_ bridge: BenchChild) throws -> ProcessSample {
        guard let sample = ProcessProbe.sample(pid: bridge.pid) else { throw DemoError("the bridge ended early") }
        return sample
    }

    private static func sleep(seconds: Int, bridge: BenchChild) async throws {
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            guard bridge.isRunning else { throw DemoError("the bridge ended: \(bridge.name)") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Readings counted from another task.
final class PollCount: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
