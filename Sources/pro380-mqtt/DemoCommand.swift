import ArgumentParser
import Bridge
import Foundation
import Logging
import MQTT
import SerialIO
import ServiceLifecycle
import Simulator
import UnixSignals

/// `pro380-mqtt demo`: a local broker, simulated meters and the bridge, with the values shown as they come back
/// from the broker: the whole round trip in one command.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a local mosquitto, simulated PRO380 meters and the bridge; show the values from the broker.",
        discussion: """
            Starts mosquitto on a free loopback port (or uses --broker), two simulated meters on a pseudo-terminal \
            (Modbus RTU) and one on a TCP port (Modbus TCP), and the bridge polling them every 2 s. The values \
            are shown as they arrive back from the broker. Runs until Ctrl-C, or for --duration seconds. The \
            bridge's outbox is a file in a temporary folder of the demo's own, removed when it stops (never the \
            daemon's outbox file).
            """
    )

    @Option(help: ArgumentHelp("Use this broker instead of starting one.", valueName: "host:port"))
    var broker: String?

    @Option(help: "Stop after this many seconds (0: run until Ctrl-C).")
    var duration: Int = 0

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let broker, let problem = BusOptions.hostPortProblem(broker, option: "--broker") {
            throw ValidationError(problem)
        }
    }

    /// The signals that stop the demo in order: Ctrl-C, `kill`, a closed terminal, Ctrl-\.
    static let stopSignals: [UnixSignal] = [.sigint, .sigterm, .sighup, .sigquit]

    func run() async throws {
        // Trapped before anything starts, the broker first: it runs in a process group of its own (it outlives the
        // bridge's shutdown), so the terminal's signal does not reach it, and a signal that ended this process by
        // its default action would leave it running. One that comes during set-up waits here and stops the demo,
        // broker included, as soon as it runs.
        let stopRequests = await UnixSignalsSequence(trapping: Self.stopSignals)
        // Quieter than the daemon by default: the values shown are the demo's output.
        let logger = global.bootstrapLogging(configured: .notice)
        let local = broker == nil ? try await LocalBroker() : nil
        defer { local?.stop() }
        let (brokerHost, brokerPort) = broker.flatMap { BusOptions.hostPort($0) } ?? ("127.0.0.1", local!.port)

        let quiet = Logger(label: "pro380-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        let rtu = try SimulatorService(
            configuration: SimulatorConfiguration(
                endpoint: .pseudoTerminal,
                meters: SimulatorConfiguration.meters(count: 2)
            ),
            logger: quiet
        )
        var tcpMeters = SimulatorConfiguration.meters(count: 1)
        tcpMeters[0].serialNumber = "13070101"
        let tcp = try SimulatorService(
            configuration: SimulatorConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: 0),
                meters: tcpMeters,
                seed: 7
            ),
            logger: quiet
        )

        // The demo's own outbox, in a folder of its own removed when it stops: never the daemon's default file of
        // the client id, so no run replays what an earlier demo (or the daemon) left unsent.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let outbox = work.appendingPathComponent("outbox.sqlite").path
        let config = DemoSetup.configuration(
            brokerHost: brokerHost,
            brokerPort: brokerPort,
            ptyPath: rtu.endpoint,
            tcpPort: tcp.port!,
            outbox: outbox
        )
        Console.write(
            """
            pro380-mqtt demo
              broker      \(brokerHost):\(brokerPort)\(local == nil ? "" : " (a local mosquitto started for the demo)")
              simulator   2 meters on \(rtu.endpoint) (Modbus RTU), 1 meter on 127.0.0.1:\(tcp.port!) (Modbus TCP)
              bridge      polling every 2 s, publishing to \(config.mqtt.baseTopic)/<meter>/<key>
              outbox      \(outbox) (the demo's own, removed when it stops)

            Watch the raw topics:   mosquitto_sub -h \(brokerHost) -p \(brokerPort) -t '\(config.mqtt.baseTopic)/#' -v
            Switch a tariff:        mosquitto_pub -h \(brokerHost) -p \(brokerPort) -t \(config.mqtt.baseTopic)/kitchen/tariff/set -m 2

            """
        )

        let watcher = DemoWatcher(host: brokerHost, port: brokerPort, baseTopic: config.mqtt.baseTopic, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: TaskService { try await rtu.run() }),
            .init(service: TaskService { try await tcp.run() }),
            .init(service: BridgeService(configuration: config, logger: logger)),
            .init(service: watcher),
        ]
        if let local { services.append(.init(service: TaskService { await local.reportExit(logger: logger) })) }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for await _ in stopRequests {
                    await group.triggerGracefulShutdown()
                }
            }
            if duration > 0 {
                tasks.addTask {
                    try await Task.sleep(for: .seconds(duration))
                    await group.triggerGracefulShutdown()
                }
            }
            try await tasks.next()
            tasks.cancelAll()
        }
        Console.write("\ndemo stopped: \(await watcher.messageCount) messages received from the broker")
    }
}

/// Runs a closure as a service until graceful shutdown.
struct TaskService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}

/// The demo's bridge config: two RTU meters on the simulator's pty, one Modbus TCP meter, the outbox file `outbox`
/// (in the demo's own folder).
enum DemoSetup {
    static func configuration(
        brokerHost: String,
        brokerPort: Int,
        ptyPath: String,
        tcpPort: Int,
        outbox: String
    ) -> BridgeConfiguration {
        var mqtt = MQTTSettings()
        mqtt.host = brokerHost
        mqtt.port = brokerPort
        mqtt.clientID = "pro380-mqtt-demo"
        let fast = MeterConfiguration.defaultIntervals(.seconds(2))
        let rtu = BusConfiguration(
            name: "rs485",
            link: .modbusRTU(device: ptyPath, settings: .init(baudRate: 9600, parity: .even)),
            meters: [
                MeterConfiguration(name: "main", address: 1, intervals: fast),
                MeterConfiguration(name: "kitchen", address: 2, intervals: fast),
            ]
        )
        let tcp = BusConfiguration(
            name: "gateway",
            link: .modbusTCP(host: "127.0.0.1", port: tcpPort),
            meters: [MeterConfiguration(name: "pv", address: 1, intervals: fast)]
        )
        var configuration = BridgeConfiguration(
            mqtt: mqtt,
            buses: [rtu, tcp],
            diagnosticsInterval: .seconds(10),
            source: "demo"
        )
        configuration.outbox = OutboxSettings(storage: .file(outbox))
        return configuration
    }
}
