import ArgumentParser
import Foundation
import Outbox

/// `pro380-mqtt bench outbox`: what the durable outbox costs per message, side by side in one run: appends only (a
/// broker outage) and appends followed by deletes in batches of 64 (the broker acknowledging), with SQLite's
/// `synchronous` NORMAL and FULL on a file and in memory. CPU time by getrusage.
struct BenchOutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Benchmark the durable outbox: appends/s and CPU per 1000 messages, file vs memory, sync modes.",
        discussion: """
            Each round is one poll of every meter: `--meters` concurrent appends of 61 readings each (the PRO380's \
            Modbus values), so 100 meters polled every second cost one round per second.
            """
    )

    @Option(help: "Meters polled at once (concurrent appends per round).")
    var meters: Int = 100

    @Option(help: "Rounds per variant.")
    var rounds: Int = 30

    @Option(help: "Folder for the SQLite files (default: a new folder under the system's temporary folder).")
    var folder: String?

    func validate() throws {
        guard meters >= 1, rounds >= 1 else { throw ValidationError("--meters and --rounds must be at least 1") }
    }

    struct Variant {
        var name: String
        var location: Outbox.Location
        var synchronous: OutboxSynchronous
        var acknowledge: Bool
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        let base = URL(fileURLWithPath: folder ?? NSTemporaryDirectory())
            .appendingPathComponent("pro380-outbox-bench-\(getpid())")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let variants = [
            Variant(name: "memory", location: .memory, synchronous: .normal, acknowledge: false),
            Variant(name: "file, sync normal", location: .file(""), synchronous: .normal, acknowledge: false),
            Variant(name: "file, sync full", location: .file(""), synchronous: .full, acknowledge: false),
            Variant(name: "memory + deletes", location: .memory, synchronous: .normal, acknowledge: true),
            Variant(name: "file normal + deletes", location: .file(""), synchronous: .normal, acknowledge: true),
            Variant(name: "file full + deletes", location: .file(""), synchronous: .full, acknowledge: true),
        ]
        let perRound = meters * Self.keys.count
        Console.write(
            "outbox: \(rounds) rounds of \(meters) concurrent appends of \(Self.keys.count) readings (\(perRound) messages a round) in \(base.path)"
        )
        Console.write(
            "variant                   messages/s   rounds/s   cpu ms/1000 msgs   wall ms/round   file MB   cpu ratio"
        )
        var reference: Double?
        for (index, variant) in variants.enumerated() {
            var variant = variant
            if case .file = variant.location {
                variant.location = .file(base.appendingPathComponent("bench-\(index).sqlite").path)
            }
            let figures = try await measure(variant)
            let ratio = figures.cpuPerThousand / (reference ?? figures.cpuPerThousand)
            reference = reference ?? figures.cpuPerThousand
            Console.write(
                variant.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(
                        format: "%12.0f %10.1f %18.2f %15.1f %9.1f %10.2fx",
                        figures.messagesPerSecond,
                        figures.roundsPerSecond,
                        figures.cpuPerThousand,
                        figures.wallPerRound,
                        figures.fileMegabytes,
                        ratio
                    )
            )
        }
        Console.write(String(format: "peak RSS of this process: %.1f MB", Self.peakRSSMegabytes()))
    }

    struct Figures {
        var messagesPerSecond: Double
        var roundsPerSecond: Double
        var cpuPerThousand: Double
        var wallPerRound: Double
        var fileMegabytes: Double
    }

    static let keys = (0..<61).map { "key_\($0)" }

    private func measure(_ variant: Variant) async throws -> Figures {
        let outbox = try Outbox(
            variant.location,
            limits: OutboxLimits(maxBytes: 1 << 40, maxAge: .seconds(30 * 24 * 3600)),
            synchronous: variant.synchronous
        )
        let cpuStart = BenchPlanCommand.cpuMilliseconds()
        let wallStart = ContinuousClock.now
        for round in 0..<rounds {
            let stored = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for meter in 0..<meters {
                    group.addTask {
                        try await outbox.append(Self.readings(meter: meter, round: round)).entries.map(\.id)
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            if variant.acknowledge {
                for start in stride(from: 0, to: stored.count, by: 64) {
                    try await outbox.delete(Array(stored[start..<min(start + 64, stored.count)]))
                }
            }
        }
        let wall = (ContinuousClock.now - wallStart).seconds
        let cpu = BenchPlanCommand.cpuMilliseconds() - cpuStart
        var fileBytes = 0
        if case .file(let path) = variant.location {
            for suffix in ["", "-wal"] {
                let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
                fileBytes += (attributes?[.size] as? Int) ?? 0
            }
        }
        await outbox.close()
        let messages = Double(rounds * meters * Self.keys.count)
        return Figures(
            messagesPerSecond: messages / wall,
            roundsPerSecond: Double(rounds) / wall,
            cpuPerThousand: cpu / messages * 1000,
            wallPerRound: wall * 1000 / Double(rounds),
            fileMegabytes: Double(fileBytes) / 1e6
        )
    }

    /// One poll's readings of one meter, shaped like the bridge's: `pro380/meter-7/key_3`, a 70-byte JSON payload.
    static func readings(meter: Int, round: Int) -> [OutboxMessage] {
        keys.map { key in
            OutboxMessage(
                topic: "pro380/meter-\(meter)/\(key)",
                payload: Array(
                    "{\"value\": \(230 + round % 10).25, \"unit\": \"V\", \"time\": \"2026-11-29T12:00:\(10 + round % 50).000Z\"}"
                        .utf8
                ),
                qos: 1,
                retain: true
            )
        }
    }

    /// The process's peak resident set (getrusage `ru_maxrss`, KiB on Linux).
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
