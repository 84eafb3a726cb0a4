import ArgumentParser

/// `pro380-mqtt bench`: benchmarks that print their figures and ratios side by side in one run (never tests: tests
/// assert behaviour, these measure). `scripts/bench.sh` builds the C programs they need and runs them.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmarks: the bridge vs a C floor, wire time, dead meters, 1000 meters, poll plans, the outbox, payloads.",
        discussion: """
            Run them through scripts/bench.sh, which builds the C floor, the libmodbus stand-in and the counting \
            subscriber under .build/bench first. docs/performance.md explains the figures.
            """,
        subcommands: [
            BenchCompareCommand.self, BenchWireCommand.self, BenchDeadMeterCommand.self, BenchScaleCommand.self,
            BenchPlanCommand.self, BenchBridgeCommand.self, BenchIdleCommand.self, BenchOutboxCommand.self,
            BenchPayloadCommand.self,
        ],
        defaultSubcommand: BenchCompareCommand.self
    )
}
