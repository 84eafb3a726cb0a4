import ArgumentParser
import Benchmarking
import Foundation
import Logging
import MBus
import Modbus
import PRO380
import SerialIO
import Simulator

/// `pro380-mqtt bench wire`: the bridge polling flat out on a paced simulated line (every byte at its wire time),
/// the bus-busy time per cycle against the least the plan needs.
struct BenchWireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Bus-busy time per cycle on a paced line (Modbus RTU, M-Bus) against the computed minimum.",
        discussion: """
            The simulator paces every reply byte at 11 bits per character (8E1) and answers after --turnaround; \
            the bridge polls every meter on one line flat out. Minimum per cycle: every exchange's bytes, the \
            turnaround, and Modbus RTU's 3.5-character silence before each request. Goal: minimum/measured >= 0.95.
            """
    )

    @Option(help: "Meter counts on the one line, comma-separated.")
    var meters: String = "1,8"

    @Option(help: "Whole cycles measured after two cycles of warm-up.")
    var cycles: Int = 3

    @Option(help: "The meters' turnaround (request end to reply start), milliseconds.")
    var turnaround: Int = 5

    @Option(help: "Modbus RTU line speed (8E1).")
    var modbusBaud: Int = 9600

    @Option(help: "M-Bus line speed (8E1).")
    var mbusBaud: Int = 2400

    @Option(help: "Protocols to measure, comma-separated: modbus_rtu, mbus.")
    var protocols: String = "modbus_rtu,mbus"

    @Flag(help: "Print the figures as JSON instead of a table.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard cycles >= 1, turnaround >= 0, modbusBaud >= 300, mbusBaud >= 300 else {
            throw ValidationError("--cycles at least 1, --turnaround at least 0, baud rates at least 300")
        }
        guard BenchCompareCommand.integers(meters).allSatisfy({ (1...247).contains($0) }) else {
            throw ValidationError("--meters takes counts from 1 to 247")
        }
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        _ = global.bootstrapLogging()
        let figures = try await BenchBroker.withBroker { port in
            var figures: [WireFigures] = []
            for name in protocols.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                for count in BenchCompareCommand.integers(meters) {
                    let line = try await measure(protocolName: name, meters: count, brokerPort: port)
                    BenchOutput.progress(
                        "\(name), \(count) meter(s): \(String(format: "%.1f", line.cycleMilliseconds)) ms per cycle"
                    )
                    figures.append(line)
                }
            }
            return figures
        }
        try BenchOutput.figures(figures, json: json) { WireReport.table(figures) }
    }

    private func measure(protocolName: String, meters count: Int, brokerPort: Int) async throws -> WireFigures {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let recorder = PacingRecorder()
        let turnaround = Duration.milliseconds(turnaround)
        var settings = SimulatorConfiguration.meters(count: count)
        let pro1 = Set(RegisterTable.pro380.definitions.filter { $0.modbus?.pro1Only == true }.map(\.key))
        for index in settings.indices { settings[index].pro1OnlyKeys = pro1 }  // every row answers: a 3-block plan
        var configuration = SimulatorConfiguration(endpoint: .pseudoTerminal, meters: settings)
        let exchanges: [WireExchange]
        let line: LineSettings
        let silence: Duration
        switch protocolName {
        case "modbus_rtu":
            line = LineSettings(baudRate: modbusBaud)
            configuration.pacing = LinePacing(line: line, turnaround: turnaround, recorder: recorder)
            exchanges = WireTime.modbusRTU(WireTime.fullPollBlocks())
            silence = InterFrameTiming.silence(for: line)
        case "mbus":
            line = LineSettings(baudRate: mbusBaud)
            configuration.endpoint = .tcp(host: "127.0.0.1", port: 0)
            configuration.mbusPort = .pseudoTerminal
            configuration.mbusPacing = LinePacing(line: line, turnaround: turnaround, recorder: recorder)
            exchanges = [WireExchange(requestBytes: 5, replyBytes: try Self.mbusTelegramLength())]
            silence = .zero
        default:
            throw ValidationError("unknown protocol \(protocolName): give modbus_rtu or mbus")
        }
        let simulator = try SimulatorService(configuration: configuration, logger: quiet)
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("bridge.yaml")
        try BenchBridgeConfig.wire(
            protocolName: protocolName,
            device: protocolName == "mbus" ? simulator.mbus!.endpoint : simulator.endpoint,
            baud: line.baudRate,
            meters: count,
            brokerPort: brokerPort
        ).write(to: config, atomically: true, encoding: .utf8)
        let bridge = try BenchChild(
            BenchSetup.executable,
            ["bench", "bridge", "--config", config.path, "--interval-ms", "0", "--all-groups"],
            name: "bridge",
            log: work.appendingPathComponent("bridge.log")
        )
        let perCycle = exchanges.count * count
        let minimum = WireTime.minimumCycle(
            exchanges: exchanges,
            meters: count,
            line: line,
            turnaround: turnaround,
            silenceBeforeRequest: silence
        )
        let patience = minimum * ((cycles + 3) * 4) + .seconds(30)
        let transactions: [PacedTransaction]
        do {
            try await Self.waitFor(transactions: 2 * perCycle, in: recorder, within: patience, bridge: bridge)
            recorder.reset()
            try await Self.waitFor(transactions: cycles * perCycle + 1, in: recorder, within: patience, bridge: bridge)
            transactions = recorder.transactions
            await bridge.stop()
        } catch {
            await bridge.stop()
            throw error
        }
        guard let measured = WireTime.measuredCycle(transactions, perCycle: perCycle) else {
            throw DemoError("not one whole cycle recorded")
        }
        return WireFigures(
            protocolName: protocolName,
            meters: count,
            baudRate: line.baudRate,
            turnaroundMilliseconds: turnaround.milliseconds,
            transactionsPerCycle: perCycle,
            cycles: measured.cycles,
            minimumMilliseconds: minimum.milliseconds,
            cycleMilliseconds: measured.cycle.milliseconds,
            occupiedMilliseconds: measured.occupied.milliseconds
        )
    }

    private static func waitFor(
        transactions count: Int,
        in recorder: PacingRecorder,
        within patience: Duration,
        bridge: BenchChild
    ) async throws {
        let deadline = ContinuousClock.now + patience
        while recorder.transactions.count < count {
            guard bridge.isRunning else { throw DemoError("the bridge ended: \(bridge.name)") }
            guard ContinuousClock.now < deadline else {
                throw DemoError("only \(recorder.transactions.count) of \(count) transactions within \(patience)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The length of a PRO380-Mb's RSP_UD to REQ_UD2, as the simulator encodes it.
    static func mbusTelegramLength() throws -> Int {
        let settings = SimulatorConfiguration.meters(count: 1)[0]
        let model = try PRO380Model(settings: settings, profile: .household(seed: 1), start: Date(), stateFileURL: nil)
        let bus = SimulatedMBusBus(meters: [SimulatedMBusMeter(model: model)])
        guard let reply = bus.reply(to: .short(control: .reqUD2(fcb: true), address: 1), at: Date()) else {
            throw DemoError("the simulated PRO380-Mb did not answer REQ_UD2")
        }
        return reply.count
    }
}

/// The wire-time figures as a table.
enum WireReport {
    static func table(_ figures: [WireFigures]) -> String {
        var lines = [
            "protocol     meters  baud  turnaround  requests/cycle  minimum ms  measured ms  line carrying ms  minimum/measured"
        ]
        for f in figures {
            lines.append(
                String(
                    format: "%-12@ %6d %5d %9.1fms %15d %11.1f %12.1f %17.1f %17.3f%@",
                    f.protocolName,
                    f.meters,
                    f.baudRate,
                    f.turnaroundMilliseconds,
                    f.transactionsPerCycle,
                    f.minimumMilliseconds,
                    f.cycleMilliseconds,
                    f.occupiedMilliseconds,
                    f.efficiency,
                    f.efficiency >= 0.95 ? "" : "  (goal 0.95)"
                )
            )
        }
        return lines.joined(separator: "\n")
    }
}
