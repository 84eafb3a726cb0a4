package import Foundation
package import Logging
import Modbus
import SerialIO

/// Simulated PRO380 meters served on a Modbus bus until cancelled: what `pro380-mqtt simulate` and the demo run.
///
/// `init` creates the meters (restarting each from its state file when there is one) and opens the endpoint, so
/// `endpoint` (the pseudo-terminal's device path or the bound `host:port`) can be shown before `run()` starts.
/// `run()` serves until its task is cancelled (swift-service-lifecycle style: no start/stop pair), saving the
/// state files every `saveInterval` and once more on the way out; file writes run on a dispatch queue, not on the
/// cooperative pool.
package final class SimulatorService: Sendable {
    /// The configuration the service was made with.
    package let configuration: SimulatorConfiguration
    /// The bus and its meters; tests use it to read a meter's model or change faults while serving.
    package let bus: SimulatedModbusBus
    /// Where to connect: the pseudo-terminal's device path (`/dev/pts/5`) or `127.0.0.1:40123`.
    package let endpoint: String
    /// The bound TCP port, or `nil` on a pseudo-terminal.
    package let port: Int?
    /// The first meter's optical port (IEC 62056-21), when `configuration.opticalPort` asks for one; its
    /// `endpointDescription` is where to connect, `setFaults` changes its faults while serving.
    package let optical: IEC62056SimulatorServer?
    /// The meters on an M-Bus, when `configuration.mbusPort` asks for one; its `endpoint` is where to connect.
    package let mbus: MBusSimulatorServer?

    private let server: ModbusSimulatorServer
    private let pseudoTerminal: PseudoTerminal?
    private let listener: TCPListener?
    private let logger: Logger

    /// Creates the meters and opens the endpoint.
    /// - Parameters:
    ///   - clock: the time the meters see; tests pass a controllable clock.
    /// - Throws: `SimulatorError.stateFile` for an unreadable state file or folder, `TransportError` when the
    ///   pseudo-terminal or socket cannot be opened (a port in use).
    package init(
        configuration: SimulatorConfiguration,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        let now = clock()
        var meters: [PRO380Model] = []
        if let folder = configuration.stateDirectory {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw SimulatorError.stateFile(path: folder.path, reason: "cannot create folder: \(error)")
            }
        }
        for (n, settings) in configuration.meters.enumerated() {
            let file = configuration.stateDirectory?.appendingPathComponent("meter-\(settings.serialNumber).json")
            meters.append(
                try PRO380Model(
                    settings: settings,
                    profile: .household(seed: configuration.seed &+ UInt64(n)),
                    start: now,
                    stateFileURL: file
                )
            )
        }
        bus = SimulatedModbusBus(
            meters: meters,
            faults: configuration.faults,
            legacyRegisterMap: configuration.legacyRegisterMap
        )
        optical = try configuration.opticalPort.map { endpoint in
            try IEC62056SimulatorServer.open(
                endpoint,
                model: meters[0],
                configuration: configuration.optical,
                clock: clock,
                logger: logger
            )
        }
        mbus = try configuration.mbusPort.map { endpoint in
            try MBusSimulatorServer(
                bus: SimulatedMBusBus(meters: meters.map { SimulatedMBusMeter(model: $0) }),
                endpoint: endpoint,
                logger: logger,
                clock: clock,
                pacing: configuration.mbusPacing
            )
        }
        server = ModbusSimulatorServer(bus: bus, clock: clock, pacing: configuration.pacing, logger: logger)
        switch configuration.endpoint {
        case .pseudoTerminal:
            let terminal = try PseudoTerminal.open(logger: logger)
            pseudoTerminal = terminal
            listener = nil
            endpoint = terminal.devicePath
            port = nil
        case .tcp(let host, let port), .rtuOverTCP(let host, let port):
            let socket = try TCPListener(host: host, port: port)
            pseudoTerminal = nil
            listener = socket
            endpoint = socket.endpoint
            self.port = socket.port
        }
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until the task is cancelled, then saves the state files and closes the endpoint.
    package func run() async throws {
        logger.info(
            "simulating \(bus.meters.count) PRO380 meter(s)",
            metadata: [
                "endpoint": "\(endpoint)", "mode": "\(configuration.endpoint)",
                "units": "\(bus.meters.map { $0.settings.modbusID })",
                "optical": "\(optical?.endpointDescription ?? "-")",
                "mbus": "\(mbus?.endpoint ?? "-")",
            ]
        )
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.serve() }
            if let optical = self.optical { group.addTask { await optical.run() } }
            if let mbus = self.mbus { group.addTask { await mbus.run() } }
            group.addTask {
                while (try? await Task.sleep(for: self.configuration.saveInterval)) != nil {
                    await self.saveStates()
                }
            }
            await group.next()
            group.cancelAll()
        }
        await saveStates()
        if let pseudoTerminal { await pseudoTerminal.close() }
        listener?.close()
    }

    private func serve() async {
        if let pseudoTerminal {
            await server.serveRTU(on: pseudoTerminal.controller)
        } else if let listener {
            let framing: ModbusFraming = configuration.endpoint.isRTUOverTCP ? .rtuOverTCP : .tcp
            await withTaskCancellationHandler {
                await server.serve(listener: listener, framing: framing)
            } onCancel: {
                listener.close()
            }
        }
    }

    /// Writes every meter's state file on a dispatch queue (blocking file I/O stays off the cooperative pool).
    private func saveStates() async {
        guard configuration.stateDirectory != nil else { return }
        let meters = bus.meters
        let now = server.clock()
        let logger = logger
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global(qos: .utility).async {
                for meter in meters {
                    do { try meter.saveState(at: now) } catch { logger.error("\(error)") }
                }
                done.resume()
            }
        }
    }
}

extension SimulatorConfiguration.Endpoint {
    fileprivate var isRTUOverTCP: Bool {
        if case .rtuOverTCP = self { return true }
        return false
    }
}
