import ArgumentParser
import Benchmarking
import Bridge
import Foundation
import PRO380

/// `pro380-mqtt bench payload`: what formatting one reading costs, the bridge's former way (`FormerFormatting`:
/// `Decimal`, `String(format:)`, a `JSONValue` payload copied to bytes) against today's (`DecimalNumber`,
/// `Timestamp.write`, `ReadingPayload.payloads`), side by side in one run. Replies are the PRO380's Modbus float
/// rows (66 values, kW rows scaled to W) with one time each, as a poll produces them. CPU time of this thread;
/// the variants alternate round by round and the best round of each is reported.
struct BenchPayloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payload",
        abstract: "Benchmark per-reading formatting: values, timestamps, payloads, former vs today, ns per reading."
    )

    @Option(help: "Replies (polls of the 66 float rows) per round.")
    var replies: Int = 200

    @Option(help: "Rounds; the variants alternate, the best round of each counts.")
    var rounds: Int = 15

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func validate() throws {
        guard replies >= 1, rounds >= 1 else { throw ValidationError("--replies and --rounds must be at least 1") }
    }

    struct Row: Encodable {
        var step: String
        var formerNanoseconds: Double
        var todayNanoseconds: Double
        var ratio: Double
    }

    func run() throws {
        let rows = RegisterTable.pro380.definitions.filter { $0.modbus?.dataType == .floatABCD }
        var generator = SystemRandomNumberGenerator()
        let start = Date()
        let input = (0..<replies).map { reply in
            (
                time: start.addingTimeInterval(Double(reply) * 0.1),
                values: rows.map { row in
                    (row: row, single: Float(Double(Int.random(in: 0...500_000, using: &generator)) / 1000))
                }
            )
        }
        let readingCount = Double(replies * rows.count)
        var sink = 0
        let steps: [(String, former: () -> Void, today: () -> Void)] = [
            (
                "value (single to text)",
                {
                    for reply in input {
                        for (row, single) in reply.values {
                            let decimal = FormerFormatting.decimal(single: single)! * row.modbus!.scale
                            sink &+= FormerFormatting.text(decimal).utf8.count
                        }
                    }
                },
                {
                    var bytes: [UInt8] = []
                    for reply in input {
                        for (row, single) in reply.values {
                            bytes.removeAll(keepingCapacity: true)
                            MeterValue(single: single)!.scaled(by: row.modbus!.exactScale).writeJSON(to: &bytes)
                            sink &+= bytes.count
                        }
                    }
                }
            ),
            (
                "timestamp (per reading)",
                {
                    for reply in input {
                        for _ in reply.values { sink &+= FormerFormatting.rfc3339(reply.time).utf8.count }
                    }
                },
                {
                    var bytes: [UInt8] = []
                    for reply in input {
                        for _ in reply.values {
                            bytes.removeAll(keepingCapacity: true)
                            Timestamp.write(reply.time, to: &bytes)
                            sink &+= bytes.count
                        }
                    }
                }
            ),
            (
                "payload (single to bytes)",
                {
                    for reply in input {
                        for (row, single) in reply.values {
                            let decimal = FormerFormatting.decimal(single: single)! * row.modbus!.scale
                            let text = JSONValue.object([
                                ("value", .number(FormerFormatting.text(decimal))),
                                ("unit", .string(row.unit)),
                                ("time", .string(FormerFormatting.rfc3339(reply.time))),
                            ]).text(.spaced)
                            sink &+= Array(text.utf8).count
                        }
                    }
                },
                {
                    for reply in input {
                        let readings = reply.values.map { row, single in
                            Reading(
                                key: row.key,
                                value: MeterValue(single: single)!.scaled(by: row.modbus!.exactScale),
                                unit: row.unit,
                                time: reply.time
                            )
                        }
                        for payload in ReadingPayload.payloads(readings) { sink &+= payload.count }
                    }
                }
            ),
        ]
        var best = Array(repeating: (former: Double.infinity, today: Double.infinity), count: steps.count)
        for round in 0..<rounds {
            for (index, step) in steps.enumerated() {
                best[index].former = min(best[index].former, Self.cpuNanoseconds(step.former) / readingCount)
                best[index].today = min(best[index].today, Self.cpuNanoseconds(step.today) / readingCount)
            }
            BenchOutput.progress("round \(round + 1) of \(rounds)")
        }
        let figures = zip(steps, best).map { step, best in
            Row(
                step: step.0,
                formerNanoseconds: best.former,
                todayNanoseconds: best.today,
                ratio: best.former / best.today
            )
        }
        try BenchOutput.figures(figures, json: json) {
            var lines = [
                "per reading, \(rows.count) readings per reply, \(replies) replies per round, best of \(rounds) rounds"
                    + " (checksum \(sink % 1000))",
                "step                        former ns   today ns   former/today",
            ]
            for row in figures {
                lines.append(
                    row.step.padding(toLength: 26, withPad: " ", startingAt: 0)
                        + String(
                            format: "%11.0f %10.0f %14.1fx",
                            row.formerNanoseconds,
                            row.todayNanoseconds,
                            row.ratio
                        )
                )
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The CPU time of this thread while `body` runs.
    private static func cpuNanoseconds(_ body: () -> Void) -> Double {
        var before = timespec()
        var after = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &before)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &after)
        return Double(after.tv_sec - before.tv_sec) * 1e9 + Double(after.tv_nsec - before.tv_nsec)
    }
}
