import ArgumentParser
import Foundation
import Logging
import SerialIO
import Simulator

/// `pro380-mqtt simulate`: PRO380 meters on a pseudo-terminal or a TCP port, to try the bridge without hardware.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Serve simulated PRO380 meters: Modbus RTU (pseudo-terminal) or TCP, optionally M-Bus and the optical port.",
        discussion: """
            The meters have Modbus IDs 1..N and serial numbers 13070001.. . Values move like a household's load, \
            energy integrates per tariff, and the manual's writes are accepted (tariff, Modbus ID, ...).

            Examples (each comment says what the line below it does):
              # Modbus RTU on a new pseudo-terminal (its path is printed)
              pro380-mqtt simulate
              # three meters behind one Modbus TCP gateway
              pro380-mqtt simulate --modbus-tcp 127.0.0.1:5020 --meters 3
              # settings and counters survive a restart
              pro380-mqtt simulate --state-dir /tmp/pro380-sim
              # also meter 1's optical port on a pseudo-terminal
              pro380-mqtt simulate --iec62056
              # the same meters also over M-Bus on a pseudo-terminal
              pro380-mqtt simulate --meters 5 --mbus
              # replies at 9600 baud (M-Bus 2400), as on a real line
              pro380-mqtt simulate --pace --meters 8
              # a meter on firmware before the current register map
              pro380-mqtt simulate --legacy-map
              # 1000 meters: 100 gateways on ports 5020-5119, 10 meters each
              pro380-mqtt simulate --modbus-tcp 127.0.0.1:5020 --gateways 100 --meters 10
            """
    )

    @Option(
        name: .customLong("modbus-tcp"),
        help: ArgumentHelp("Serve Modbus TCP on host:port (port 0 picks one).", valueName: "host:port")
    )
    var modbusTCP: String?

    @Option(
        name: .customLong("modbus-rtu-over-tcp"),
        help: ArgumentHelp("Serve Modbus RTU frames on a TCP port.", valueName: "host:port")
    )
    var modbusRTUOverTCP: String?

    @Flag(
        name: .customLong("iec62056"),
        help: "Also serve the first meter's optical port (IEC 62056-21 mode C) on a pseudo-terminal."
    )
    var opticalPTY = false

    @Option(
        name: .customLong("iec62056-tcp"),
        help: ArgumentHelp("Also serve the first meter's optical port on host:port.", valueName: "host:port")
    )
    var opticalTCP: String?

    @Flag(
        name: .customLong("mbus"),
        help: "Also serve the meters over M-Bus (PRO380-Mb, primary addresses 1..N) on a pseudo-terminal."
    )
    var mbusPTY = false

    @Option(
        name: .customLong("mbus-tcp"),
        help: ArgumentHelp("Also serve the meters over M-Bus on host:port.", valueName: "host:port")
    )
    var mbusTCP: String?

    @Flag(
        name: .customLong("legacy-map"),
        help:
            "Answer Modbus like firmware before the current register map: every request refused with exception 02 (the manual does not give the old map)."
    )
    var legacyMap = false

    @Option(help: "Number of meters on the bus (1-247); with --gateways, on each gateway.")
    var meters: Int = 1

    @Option(
        help: """
            With --modbus-tcp: serve this many Modbus TCP gateways on consecutive ports from the given one (port 0: \
            each picks a free port), each with --meters meters at unit ids 1..N; serial numbers count up across them.
            """
    )
    var gateways: Int = 1

    @Option(help: "Folder for the meters' state files (settings and counters kept across restarts).")
    var stateDir: String?

    @Option(
        help: "Serial number of the first meter (8 digits); the others count up from it. Give each simulator its own."
    )
    var firstSerial: Int = 13_070_001

    @Option(help: "Seed of the simulated load.")
    var seed: UInt64 = 1

    @Flag(
        help: """
            Pace replies at wire speed (a pseudo-terminal ignores the baud rate): 11 bits a character, Modbus RTU at \
            9600 and M-Bus at 2400 baud (the PRO380's defaults), after --turnaround.
            """
    )
    var pace = false

    @Option(help: "With --pace: the meters' reaction time before a reply, milliseconds.")
    var turnaround: Int = 5

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...247).contains(meters) else { throw ValidationError("--meters must be 1 to 247") }
        guard turnaround >= 0 else { throw ValidationError("--turnaround must be 0 or more milliseconds") }
        guard (0...99_999_999 - meters).contains(firstSerial) else {
            throw ValidationError("--first-serial must have 8 digits")
        }
        if modbusTCP != nil && modbusRTUOverTCP != nil {
            throw ValidationError("give --modbus-tcp or --modbus-rtu-over-tcp, not both")
        }
        guard (1...1000).contains(gateways) else { throw ValidationError("--gateways must be 1 to 1000") }
        if gateways > 1 {
            guard modbusTCP != nil, !opticalPTY, opticalTCP == nil, !mbusPTY, mbusTCP == nil, stateDir == nil,
                !legacyMap
            else {
                throw ValidationError(
                    "--gateways needs --modbus-tcp and serves Modbus TCP only (no state, legacy map, M-Bus or optical port)"
                )
            }
        }
        if opticalPTY && opticalTCP != nil { throw ValidationError("give --iec62056 or --iec62056-tcp, not both") }
        if mbusPTY && mbusTCP != nil { throw ValidationError("give --mbus or --mbus-tcp, not both") }
        let endpoints = [
            ("--modbus-tcp", modbusTCP), ("--modbus-rtu-over-tcp", modbusRTUOverTCP), ("--iec62056-tcp", opticalTCP),
            ("--mbus-tcp", mbusTCP),
        ]
        for case (let option, let endpoint?) in endpoints {
            if let problem = BusOptions.hostPortProblem(endpoint, option: option, allowingAnyPort: true) {
                throw ValidationError(problem)
            }
        }
    }

    func run() async throws {
        let logger = global.bootstrapLogging(label: "pro380-simulator")
        if gateways > 1 { return try await runGateways(logger: logger) }
        var simulated = SimulatorConfiguration.meters(count: meters)
        for index in simulated.indices {
            // The M-Bus secondary address is preset to the serial number (manual A2.1).
            simulated[index].serialNumber = String(format: "%08d", firstSerial + index)
            simulated[index].mbusSecondaryAddress = simulated[index].serialNumber
        }
        var configuration = SimulatorConfiguration(endpoint: .pseudoTerminal, meters: simulated, seed: seed)
        if let endpoint = modbusTCP ?? modbusRTUOverTCP {
            let (host, port) = Self.hostPort(endpoint)
            configuration.endpoint =
                modbusTCP != nil ? .tcp(host: host, port: port) : .rtuOverTCP(host: host, port: port)
        }
        configuration.legacyRegisterMap = legacyMap
        if pace {
            configuration.pacing = LinePacing(line: LineSettings(baudRate: 9600), turnaround: .milliseconds(turnaround))
            configuration.mbusPacing = LinePacing(
                line: LineSettings(baudRate: 2400),
                turnaround: .milliseconds(turnaround)
            )
        }
        configuration.stateDirectory = stateDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if opticalPTY { configuration.opticalPort = .pseudoTerminal }
        if mbusPTY { configuration.mbusPort = .pseudoTerminal }
        if let mbusTCP {
            let (host, port) = Self.hostPort(mbusTCP)
            configuration.mbusPort = .tcp(host: host, port: port)
        }
        if let opticalTCP {
            let (host, port) = Self.hostPort(opticalTCP)
            configuration.opticalPort = .tcp(host: host, port: port)
        }
        let service = try SimulatorService(configuration: configuration, logger: logger)
        let kind: String
        switch configuration.endpoint {
        case .pseudoTerminal: kind = "Modbus RTU on the pseudo-terminal"
        case .tcp: kind = "Modbus TCP at"
        case .rtuOverTCP: kind = "Modbus RTU over TCP at"
        }
        Console.write("Simulating \(meters) PRO380 meter(s), Modbus IDs 1-\(meters): \(kind) \(service.endpoint)")
        if legacyMap {
            Console.write(
                "Register map: firmware before the current map (manual A3.1, old V1.14 registers): every Modbus request is refused with exception 02"
            )
        }
        if let mbus = service.mbus {
            Console.write("M-Bus (PRO380-Mb, 2400 8E1, primary addresses 1-\(meters)): \(mbus.endpoint)")
        }
        if let optical = service.optical {
            Console.write("Optical port (IEC 62056-21 mode C) of meter 1: \(optical.endpointDescription)")
        }
        Console.write("A config block for these meters:\n")
        Console.write(Self.configBlock(configuration: configuration, endpoint: service.endpoint))
        if service.mbus != nil || service.optical != nil {
            Console.write(
                "  # The same meters once more over M-Bus or their optical port: keep one entry per physical meter "
                    + "(the bridge warns when two read one serial number)."
            )
        }
        if let mbus = service.mbus {
            let link =
                mbus.endpoint.hasPrefix("/")
                ? "mbus_serial: {device: \(mbus.endpoint), baud: 2400}"
                : "mbus_tcp: {host: \(Self.hostPort(mbus.endpoint).0), port: \(Self.hostPort(mbus.endpoint).1)}"
            Console.write("  - name: mbus\n    \(link)\n    meters:")
            for (n, meter) in configuration.meters.enumerated() {
                Console.write("      - {name: mbus-\(meter.serialNumber), address: \(n + 1), interval: 10s}")
            }
        }
        if let optical = service.optical {
            let link =
                optical.devicePath.map { "iec62056: {device: \($0), baud: 300, mode: C}" }
                ?? "iec62056: {host: 127.0.0.1, port: \(optical.port ?? 0)}"
            Console.write("  - name: optical\n    \(link)\n    meters:\n      - {name: sim-optical, interval: 10s}")
        }
        try await withTaskCancellationOnSignals { try await service.run() }
    }

    /// `--gateways N`: N Modbus TCP simulators in this process, one per port.
    private func runGateways(logger: Logger) async throws {
        let (host, port) = Self.hostPort(modbusTCP ?? "127.0.0.1:0")
        let services = try SimulatorConfiguration.gateways(
            gateways,
            metersPerGateway: meters,
            host: host,
            port: port,
            firstSerial: firstSerial,
            seed: seed
        ).map { try SimulatorService(configuration: $0, logger: logger) }
        Console.write(
            "Simulating \(gateways) Modbus TCP gateways with \(meters) PRO380 meter(s) each (unit ids 1-\(meters)):"
        )
        Console.write("buses:")
        for (n, service) in services.enumerated() {
            let (host, port) = Self.hostPort(service.endpoint)
            Console.write("  - name: gateway\(n + 1)\n    modbus_tcp: {host: \(host), port: \(port)}\n    meters:")
            for meter in service.configuration.meters {
                Console.write("      - {name: sim-\(meter.serialNumber), address: \(meter.modbusID), interval: 10s}")
            }
        }
        try await withTaskCancellationOnSignals {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { try await service.run() } }
                try await group.waitForAll()
            }
        }
    }

    /// A `host:port` that `validate()` has already checked.
    static func hostPort(_ text: String) -> (String, Int) {
        BusOptions.hostPort(text, allowingAnyPort: true) ?? ("127.0.0.1", 0)
    }

    static func configBlock(configuration: SimulatorConfiguration, endpoint: String) -> String {
        let link: String
        switch configuration.endpoint {
        case .pseudoTerminal: link = "modbus_rtu: {device: \(endpoint), baud: 9600, parity: even}"
        case .tcp: link = "modbus_tcp: {host: \(hostPort(endpoint).0), port: \(hostPort(endpoint).1)}"
        case .rtuOverTCP: link = "modbus_rtu_over_tcp: {host: \(hostPort(endpoint).0), port: \(hostPort(endpoint).1)}"
        }
        var lines = ["buses:", "  - name: simulator", "    \(link)", "    meters:"]
        for meter in configuration.meters {
            lines.append("      - {name: sim-\(meter.serialNumber), address: \(meter.modbusID), interval: 5s}")
        }
        return lines.joined(separator: "\n")
    }
}
