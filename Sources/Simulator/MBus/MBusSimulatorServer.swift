package import Foundation
package import Logging
import MBus
package import SerialIO

/// Serves a `SimulatedMBusBus` as an M-Bus line: on a pseudo-terminal (the bridge opens `endpoint` as its
/// `mbus_serial` device) or on a TCP listener (raw M-Bus frames, as a transparent M-Bus gateway passes them:
/// `mbus_tcp`).
///
/// `init` opens the endpoint so `endpoint` can be shown before `run()`; `run()` serves until its task is
/// cancelled (no start/stop pair), then closes the endpoint. Each frame is answered before the next is decoded,
/// like a half-duplex line; bytes that do not decode are skipped as line noise. Requests are handled on a
/// dispatch queue because a write saves the meter's state file. With `pacing`, replies go out at the line's speed
/// (`LinePacing`: a pseudo-terminal ignores the baud rate).
package final class MBusSimulatorServer: Sendable {
    /// Where the bus is served.
    package enum Endpoint: Sendable, Equatable {
        case pseudoTerminal
        case tcp(host: String, port: Int)
    }

    package let bus: SimulatedMBusBus
    /// The pseudo-terminal's device path (`/dev/pts/7`) or `127.0.0.1:40123`.
    package let endpoint: String
    /// The bound TCP port, `nil` on a pseudo-terminal.
    package let port: Int?
    /// The time the meters see.
    package let clock: @Sendable () -> Date
    /// Wire time for replies; `nil` answers at once.
    package let pacing: LinePacing?
    private let pseudoTerminal: PseudoTerminal?
    private let listener: TCPListener?
    private let logger: Logger

    /// Opens the endpoint.
    /// - Throws: `TransportError` when the pseudo-terminal or socket cannot be opened.
    package init(
        bus: SimulatedMBusBus,
        endpoint: Endpoint,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() },
        pacing: LinePacing? = nil
    ) throws {
        self.bus = bus
        self.clock = clock
        self.pacing = pacing
        self.logger = logger
        switch endpoint {
        case .pseudoTerminal:
            let terminal = try PseudoTerminal.open(logger: logger)
            pseudoTerminal = terminal
            listener = nil
            self.endpoint = terminal.devicePath
            port = nil
        case .tcp(let host, let port):
            let socket = try TCPListener(host: host, port: port)
            pseudoTerminal = nil
            listener = socket
            self.endpoint = socket.endpoint
            self.port = socket.port
        }
    }

    /// Serves until cancelled, then closes the endpoint.
    package func run() async {
        logger.info("simulating an M-Bus with \(bus.models.count) PRO380-Mb", metadata: ["endpoint": "\(endpoint)"])
        if let pseudoTerminal {
            await serve(on: pseudoTerminal.controller)
            await pseudoTerminal.close()
        } else if let listener {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    while !Task.isCancelled, let connection = try? await listener.accept() {
                        group.addTask {
                            await self.serve(on: connection)
                            await connection.close()
                        }
                    }
                    group.cancelAll()
                }
            } onCancel: {
                listener.close()
            }
        }
    }

    /// Answers the frames arriving on `transport` until cancelled or the transport closes.
    package func serve(on transport: any Transport) async {
        var decoder = MBusFrameDecoder()
        var line = PacedLine(pacing: pacing)
        while !Task.isCancelled {
            let bytes: [UInt8]
            do {
                bytes = try await transport.read(maxCount: 512, timeout: .milliseconds(250))
            } catch TransportError.timeout {
                continue
            } catch {
                return
            }
            line.received(bytes.count)
            decoder.append(bytes)
            while true {
                let frame: MBusFrame?
                do { frame = try decoder.decode() } catch { continue }
                guard let frame else { break }
                let bus = bus
                let clock = clock
                let reply = await withCheckedContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume(returning: bus.reply(to: frame, at: clock())) }
                }
                logger.trace("M-Bus request", metadata: ["frame": "\(frame)", "answered": "\(reply != nil)"])
                guard let reply else {
                    line.skipped()
                    continue
                }
                do { try await line.send(reply, on: transport) } catch { return }
            }
        }
    }
}
