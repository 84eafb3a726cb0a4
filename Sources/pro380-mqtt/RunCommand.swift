import ArgumentParser
import Bridge
import Foundation
import Logging
import MQTT
import SerialIO
import ServiceLifecycle
import UnixSignals

/// `pro380-mqtt run --config FILE`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Poll every meter of the config and publish to MQTT until SIGINT/SIGTERM; SIGHUP reloads the config.",
        discussion: """
            SIGHUP (systemctl reload) reads and checks the config file again: added, removed and changed buses \
            and meters are started, stopped (removed meters published offline) and restarted, the others keep \
            polling; a file that does not check, or a change to mqtt, homeassistant, log_level, \
            diagnostics_interval, command_max_age or outbox (which need a restart), is refused with the reasons logged \
            and the running config stays. Under systemd (a Type=notify unit, config/pro380-mqtt.service) the \
            daemon reports READY=1 once every meter was polled once, its status (meters online, broker), \
            WATCHDOG=1 while no poll hangs, and RELOADING=1 then READY=1 around a reload, over $NOTIFY_SOCKET.
            """
    )

    @Option(name: .shortAndLong, help: "The YAML config file.")
    var config: String

    @Option(help: "Override mqtt.host of the config file.")
    var brokerHost: String?

    @Option(help: "Override mqtt.port of the config file.")
    var brokerPort: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let brokerPort, let problem = TCPPort.problem(brokerPort) {
            throw ValidationError("--broker-port: \(problem)")
        }
    }

    func run() async throws {
        let configuration: BridgeConfiguration
        do {
            configuration = try loadConfiguration()
        } catch let errors as ConfigurationErrors {
            let logger = global.bootstrapLogging()
            for error in errors.errors { logger.critical("\(error.summary)", metadata: error.logMetadata) }
            if errors.omitted > 0 { logger.critical("... and \(errors.omitted) more problems in \(config)") }
            throw ExitCode(2)
        }
        let logger = global.bootstrapLogging(configured: configuration.logLevel)
        for warning in configuration.warnings { logger.warning("\(warning.summary)", metadata: warning.logMetadata) }
        // Under systemd (Type=notify) the bridge tells READY, STATUS, WATCHDOG and STOPPING over $NOTIFY_SOCKET.
        let bridge = BridgeService(
            configuration: configuration,
            logger: logger,
            environment: ProcessInfo.processInfo.environment
        )
        // Trapped before anything runs: SIGHUP's default would end the process without publishing offline.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloader = ReloadOnHangup(bridge: bridge, signals: hangups, load: loadConfiguration)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: bridge), .init(service: reloader)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// Reads and checks the config file, with the broker overrides of the command line: at start and at each
    /// reload, the same way.
    @Sendable func loadConfiguration() throws -> BridgeConfiguration {
        var configuration = try BridgeConfiguration.load(path: config)
        if let brokerHost { configuration.mqtt.host = brokerHost }
        if let brokerPort { configuration.mqtt.port = brokerPort }
        return configuration
    }
}

/// Reloads the bridge's config on SIGHUP (`systemctl reload`), one reload at a time, until graceful shutdown.
/// SIGHUPs arriving while a reload runs or is pending are merged into one pending reload, which reads the file as it
/// is then.
struct ReloadOnHangup: Service {
    let bridge: BridgeService
    let signals: UnixSignalsSequence
    let load: @Sendable () throws -> BridgeConfiguration

    func run() async {
        // The signal sequence buffers every SIGHUP; this stream keeps at most one waiting while a reload runs.
        let (pending, requests) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals { requests.yield() }
                    requests.finish()
                }
                for await _ in pending { await bridge.reload(load) }
                group.cancelAll()
            }
        }
    }
}
