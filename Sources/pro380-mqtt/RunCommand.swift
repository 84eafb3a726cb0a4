import ArgumentParser
import Bridge
import Foundation
import Logging
import MQTT
import ServiceLifecycle
import UnixSignals

/// `pro380-mqtt run --config FILE`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Poll every meter of the config and publish to MQTT until SIGINT/SIGTERM.",
        discussion: """
            Under systemd (a Type=notify unit, config/pro380-mqtt.service) the daemon reports READY=1 once every \
            meter was polled once, its status (meters online, broker) and WATCHDOG=1 while no poll hangs, over \
            $NOTIFY_SOCKET.
            """
    )

    @Option(name: .shortAndLong, help: "The YAML config file.")
    var config: String

    @Option(help: "Override mqtt.host of the config file.")
    var brokerHost: String?

    @Option(help: "Override mqtt.port of the config file.")
    var brokerPort: Int?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var configuration: BridgeConfiguration
        do {
            configuration = try BridgeConfiguration.load(path: config)
        } catch let errors as ConfigurationErrors {
            let logger = global.bootstrapLogging()
            for error in errors.errors { logger.critical("\(error.description)") }
            if errors.omitted > 0 { logger.critical("... and \(errors.omitted) more problems in \(config)") }
            throw ExitCode(2)
        }
        let logger = global.bootstrapLogging(configured: configuration.logLevel)
        for warning in configuration.warnings { logger.warning("\(warning.description)") }
        if let brokerHost { configuration.mqtt.host = brokerHost }
        if let brokerPort { configuration.mqtt.port = brokerPort }
        // Under systemd (Type=notify) the bridge tells READY, STATUS, WATCHDOG and STOPPING over $NOTIFY_SOCKET.
        let bridge = BridgeService(
            configuration: configuration,
            logger: logger,
            environment: ProcessInfo.processInfo.environment
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: bridge)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
