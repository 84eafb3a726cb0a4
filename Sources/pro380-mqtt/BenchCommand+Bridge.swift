import ArgumentParser
import Bridge
import Logging
import PRO380
import ServiceLifecycle
import UnixSignals

/// `pro380-mqtt bench bridge` (hidden): the bridge exactly as `run` starts it, with the polling interval of the
/// config overridden, so the benchmark can poll flat out (interval 0), which a config file refuses (below 100ms).
struct BenchBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "The bridge of a benchmark run: `run` with the polling interval overridden (0: flat out).",
        shouldDisplay: false
    )

    @Option(name: .shortAndLong, help: "The YAML config file.")
    var config: String

    @Option(help: "Poll interval of the instantaneous and energy groups, milliseconds (0: flat out).")
    var intervalMs: Int?

    @Flag(help: "Apply --interval-ms to the identity group too (a full poll every cycle).")
    var allGroups = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrapLogging()
        var configuration = try BridgeConfiguration.load(path: config)
        if let intervalMs {
            let groups: [PollGroup] = allGroups ? PollGroup.allCases : [.instantaneous, .energy]
            for bus in configuration.buses.indices {
                for meter in configuration.buses[bus].meters.indices {
                    for group in groups {
                        configuration.buses[bus].meters[meter].intervals[group] = .milliseconds(intervalMs)
                    }
                }
            }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: BridgeService(configuration: configuration, logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// `pro380-mqtt bench idle` (hidden): this binary doing nothing until SIGTERM, the memory baseline of a program
/// with the bridge's imports (every library loaded, nothing running).
struct BenchIdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Do nothing until SIGTERM: the memory baseline of this binary.",
        shouldDisplay: false
    )

    func run() async throws {
        try await withTaskCancellationOnSignals {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }
}
