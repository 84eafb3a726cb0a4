import ArgumentParser
import Benchmarking
import Foundation
import Logging
import PRO380
import Simulator

/// `pro380-mqtt bench compare` (the default of `bench`): the bridge against the C floor, interleaved, against one
/// libmodbus stand-in and a private mosquitto per run, with a subscriber counting what arrives.
struct BenchCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "The bridge against a C floor: values/s, CPU per 1000 values, RSS, nothing lost; a meters sweep.",
        discussion: """
            Each run starts a private mosquitto, the counting subscriber and one subject (the C floor or the bridge), \
            waits out the warm-up, then measures a window: readings received, CPU time of the subject (its CPU \
            clock, every thread) and its RSS (VmRSS, VmHWM). Floor and bridge runs alternate. The sweep polls 1, 2, \
            5, ... meters flat out (one TCP connection per meter, like one gateway each) and draws an SVG.
            """
    )

    @Option(help: "Folder of the programs scripts/bench.sh builds (floor, standin, counter, empty-*).")
    var tools: String = ".build/bench"

    @Option(
        help: """
            Seconds of warm-up before each measuring window: start-up is over by then (the bridge gives back the \
            pages only start-up used about 5 s after its first poll, and isolates the pages in use 2 s later).
            """
    )
    var warmup: Double = 10

    @Option(help: "Seconds of each measuring window.")
    var window: Double = 8

    @Option(help: "Runs of each subject per scenario (interleaved: floor, bridge, bridge, floor, ...).")
    var rounds: Int = 2

    @Option(help: "QoS levels to measure, comma-separated.")
    var qos: String = "0,1"

    @Option(help: "Polling intervals in milliseconds, comma-separated; 0 is flat out.")
    var intervals: String = "100,0"

    @Option(help: "Meter counts of the flat-out sweep (QoS 0), comma-separated; empty to skip.")
    var sweep: String = "1,2,5,10,20"

    @Option(help: "Where the sweep's SVG plot goes.")
    var plot: String = ".build/bench/meters.svg"

    @Flag(help: "Print the report as JSON (for tracking) instead of tables.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard warmup >= 0.5, window >= 1, rounds >= 1 else {
            throw ValidationError("--warmup must be at least 0.5 s, --window at least 1 s, --rounds at least 1")
        }
        guard Self.integers(qos).allSatisfy({ $0 == 0 || $0 == 1 }), !Self.integers(qos).isEmpty else {
            throw ValidationError("--qos takes 0 and/or 1")
        }
        guard !Self.integers(intervals).isEmpty, Self.integers(intervals).allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--intervals takes milliseconds, 0 for flat out")
        }
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        _ = global.bootstrapLogging()
        let bench = try await BenchSetup(
            tools: URL(fileURLWithPath: tools),
            gateways: (Self.integers(sweep) + [1]).max()!
        )
        let progress: (String) -> Void = { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let check = try await bench.checkPayloads()
        progress(
            "payload check: \(check.identical) keys identical in floor and bridge, \(check.differences.count) differ"
        )
        for difference in check.differences { progress("  \(difference)") }
        var scenarios: [Comparison] = []
        for qos in Self.integers(qos) {
            for interval in Self.integers(intervals) {
                scenarios.append(
                    try await compare(bench, qos: qos, interval: interval, meters: 1, rounds: rounds, progress)
                )
            }
        }
        var sweepRuns: [Comparison] = []
        for meters in Self.integers(sweep) {
            sweepRuns.append(try await compare(bench, qos: 0, interval: 0, meters: meters, rounds: 1, progress))
        }
        let baselines = try await bench.baselines()
        bench.cleanUp()  // kept after a failure: the subjects' logs are there
        let report = BenchReport(
            scenarios: scenarios,
            sweep: sweepRuns,
            baselines: baselines,
            identicalPayloads: check.identical,
            payloadDifferences: check.differences
        )
        await bench.stop()
        if !sweepRuns.isEmpty {
            try BenchPlot.meters(sweepRuns).svg.write(toFile: plot, atomically: true, encoding: .utf8)
        }
        if json {
            try BenchOutput.figures(report, json: true) { "" }
            return
        }
        Console.write(
            "pro380-mqtt against the C floor (libmodbus + libmosquitto, \(bench.plan.blocks.count) block reads, "
                + "\(bench.plan.values.count) floats; the bridge publishes \(bench.bridgeValuesPerPoll) readings a poll); "
                + "medians of \(rounds) interleaved runs, \(Int(window)) s windows"
        )
        Console.write(
            "payloads: \(check.identical) of \(bench.plan.values.count) floor keys identical in the bridge's payloads"
                + (check.differences.isEmpty ? "" : "; differing: " + check.differences.joined(separator: "; "))
        )
        Console.write(ReportTable.scenarios(scenarios))
        if !sweepRuns.isEmpty {
            Console.write("\nflat out, QoS 0, one gateway (TCP connection) per meter; plot: \(plot)")
            Console.write(ReportTable.sweep(sweepRuns))
        }
        Console.write("\nmemory baselines (programs that do nothing)")
        Console.write(ReportTable.baselines(baselines))
    }

    private func compare(
        _ bench: BenchSetup,
        qos: Int,
        interval: Int,
        meters: Int,
        rounds: Int,
        _ progress: (String) -> Void
    ) async throws -> Comparison {
        var comparison = Comparison(qos: qos, intervalMilliseconds: interval, meters: meters, floor: [], bridge: [])
        for round in 0..<rounds {
            // Alternate who goes first, so a drift of the machine's speed does not favour one subject.
            let order: [BenchSubject] = round % 2 == 0 ? [.floor, .bridge] : [.bridge, .floor]
            for subject in order {
                let (figures, _) = try await bench.run(
                    subject,
                    qos: qos,
                    interval: interval,
                    meters: meters,
                    warmup: .milliseconds(Int(warmup * 1000)),
                    window: .milliseconds(Int(window * 1000))
                )
                progress(
                    "  \(comparison.label), \(subject.rawValue): \(Int(figures.valuesPerSecond)) values/s, "
                        + String(format: "%.2f", figures.cpuPerThousandValues) + " ms CPU per 1000, "
                        + String(format: "%.1f", Double(figures.peakResidentKiB) / 1024) + " MiB, received "
                        + "\(figures.received) of \(figures.published)"
                        + (figures.cutByStop > 0 ? " (\(figures.cutByStop) not read: the stop cut the last poll)" : "")
                )
                if subject == .floor { comparison.floor.append(figures) } else { comparison.bridge.append(figures) }
            }
        }
        return comparison
    }

    static func integers(_ list: String) -> [Int] {
        list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// The sweep as a picture: cycle time and CPU per 1000 values against the number of meters.
enum BenchPlot {
    static func meters(_ sweep: [Comparison]) -> SVGChart {
        func series(_ pick: (Comparison) -> Double, bridge: Bool) -> SVGChart.Series {
            SVGChart.Series(
                name: bridge ? "pro380-mqtt" : "C floor",
                color: bridge ? "#d62728" : "#1f77b4",
                points: sweep.map { (Double($0.meters), pick($0)) }
            )
        }
        return SVGChart(
            title: "pro380-mqtt against the C floor, flat out, QoS 0, one Modbus TCP gateway per meter",
            panels: [
                SVGChart.Panel(
                    title: "cycle time (every meter read and published once)",
                    xLabel: "meters",
                    yLabel: "ms",
                    series: [series(\.floorCycle, bridge: false), series(\.bridgeCycle, bridge: true)]
                ),
                SVGChart.Panel(
                    title: "CPU per 1000 published values",
                    xLabel: "meters",
                    yLabel: "ms CPU",
                    series: [series(\.floorCPU, bridge: false), series(\.bridgeCPU, bridge: true)]
                ),
            ]
        )
    }
}
