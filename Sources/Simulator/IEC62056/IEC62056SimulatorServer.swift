package import Foundation
package import Logging
import SerialIO
import Synchronization

/// Serves a `PRO380Model`'s optical-port readout (IEC 62056-21 mode C) on a pseudo-terminal or on TCP.
///
/// On a pseudo-terminal the bridge opens `devicePath` as it would open an optical head's `/dev/ttyUSB0`; over TCP
/// it connects as to a serial-to-TCP gateway (several connections are served at once, each its own session).
/// Each readout is built at the moment of the acknowledgement from the model (`PRO380Model.iecDataSets(at:)`), so
/// it carries the same values as the Modbus and M-Bus servers of the same model. `run()` serves until cancelled,
/// then closes the endpoint.
package final class IEC62056SimulatorServer: Sendable {
    /// Where the server listens.
    package enum Endpoint: Sendable, Equatable {
        /// The pseudo-terminal's subordinate path, `/dev/pts/N`.
        case pseudoTerminal(devicePath: String)
        /// The TCP listener's address.
        case tcp(host: String, port: Int)
    }

    private enum Listening: Sendable {
        case pseudoTerminal(PseudoTerminal)
        case tcp(TCPListener)
    }

    package let model: PRO380Model
    package let endpoint: Endpoint
    private let listening: Listening
    private let configuration: IEC62056SimulatorConfiguration
    private let faults: Mutex<IEC62056SimulatorFaults>
    private let clock: @Sendable () -> Date
    private let logger: Logger

    private init(
        model: PRO380Model,
        endpoint: Endpoint,
        listening: Listening,
        configuration: IEC62056SimulatorConfiguration,
        clock: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.model = model
        self.endpoint = endpoint
        self.listening = listening
        self.configuration = configuration
        self.faults = Mutex(configuration.faults)
        self.clock = clock
        self.logger = logger
    }

    /// Opens a new pseudo-terminal for `model`; read its path from `endpoint` (or `devicePath`).
    /// - Parameter clock: the time each readout is taken at (tests pass a fixed one).
    /// - Throws: `SimulatorError.server` when no pseudo-terminal can be opened.
    package static func pseudoTerminal(
        model: PRO380Model,
        configuration: IEC62056SimulatorConfiguration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) throws(SimulatorError) -> IEC62056SimulatorServer {
        do {
            let pty = try PseudoTerminal.open(logger: logger)
            return IEC62056SimulatorServer(
                model: model,
                endpoint: .pseudoTerminal(devicePath: pty.devicePath),
                listening: .pseudoTerminal(pty),
                configuration: configuration,
                clock: clock,
                logger: logger
            )
        } catch {
            throw SimulatorError.server(endpoint: "pseudo-terminal", reason: "\(error)")
        }
    }

    /// Listens on `host:port` (port 0: any free port; read it from `endpoint` or `port`).
    /// - Throws: `SimulatorError.server` when the address cannot be bound.
    package static func tcp(
        model: PRO380Model,
        host: String = "127.0.0.1",
        port: Int = 0,
        configuration: IEC62056SimulatorConfiguration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) throws(SimulatorError) -> IEC62056SimulatorServer {
        do {
            let listener = try TCPListener(host: host, port: port)
            return IEC62056SimulatorServer(
                model: model,
                endpoint: .tcp(host: host, port: listener.port),
                listening: .tcp(listener),
                configuration: configuration,
                clock: clock,
                logger: logger
            )
        } catch {
            throw SimulatorError.server(endpoint: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// Opens `endpoint` for `model`.
    /// - Throws: `SimulatorError.server` when the endpoint cannot be opened.
    package static func open(
        _ endpoint: IEC62056SimulatorEndpoint,
        model: PRO380Model,
        configuration: IEC62056SimulatorConfiguration,
        clock: @escaping @Sendable () -> Date,
        logger: Logger
    ) throws(SimulatorError) -> IEC62056SimulatorServer {
        switch endpoint {
        case .pseudoTerminal:
            return try pseudoTerminal(model: model, configuration: configuration, clock: clock, logger: logger)
        case .tcp(let host, let port):
            return try tcp(
                model: model,
                host: host,
                port: port,
                configuration: configuration,
                clock: clock,
                logger: logger
            )
        }
    }

    /// `/dev/pts/N` or `127.0.0.1:40123`.
    package var endpointDescription: String {
        switch endpoint {
        case .pseudoTerminal(let path): return path
        case .tcp(let host, let port): return "\(host):\(port)"
        }
    }

    /// The pseudo-terminal path, or `nil` for a TCP server.
    package var devicePath: String? {
        if case .pseudoTerminal(let path) = endpoint { return path }
        return nil
    }

    /// The TCP port, or `nil` for a pseudo-terminal server.
    package var port: Int? {
        if case .tcp(_, let port) = endpoint { return port }
        return nil
    }

    /// Replaces the faults for the next readouts.
    package func setFaults(_ newFaults: IEC62056SimulatorFaults) {
        faults.withLock { $0 = newFaults }
    }

    /// Serves until the task is cancelled, then closes the endpoint (and every TCP connection).
    package func run() async {
        switch listening {
        case .pseudoTerminal(let pty):
            await session(on: pty.controller).run()
            await pty.close()
        case .tcp(let listener):
            await withTaskGroup(of: Void.self) { group in
                // `accept` throws `CancellationError` when the task is cancelled; sessions are cancelled with it.
                while let connection = try? await listener.accept() {
                    group.addTask {
                        await self.session(on: connection).run()
                        await connection.close()
                    }
                }
                listener.close()
                group.cancelAll()
            }
        }
    }

    private func session(on transport: any Transport) -> IEC62056MeterSession {
        IEC62056MeterSession(
            transport: transport,
            configuration: configuration,
            faults: { self.faults.withLock { $0 } },
            dataSets: { [model, clock] in model.iecDataSets(at: clock()) },
            logger: logger
        )
    }
}
