package import Foundation
package import Logging
package import Modbus
package import SerialIO

/// Serves a `SimulatedModbusBus` on byte transports: RTU on a pseudo-terminal or a TCP connection, Modbus TCP on
/// TCP connections.
///
/// Each request is executed on a dispatch queue (a write saves the meter's state file). Each loop reads with a
/// short timeout so it notices cancellation, decodes with the Modbus codec's server-side decoders (RTU resynchronises over noise; a broken MBAP header closes the TCP connection), and writes each reply
/// before decoding the next request, like a half-duplex meter. The loops end when the task is cancelled or the
/// peer closes; they never throw. With `pacing`, RTU replies go out at the line's speed (`LinePacing`).
package struct ModbusSimulatorServer: Sendable {
    package let bus: SimulatedModbusBus
    /// The time the meters see; `Date.init` outside tests.
    package let clock: @Sendable () -> Date
    package let logger: Logger
    /// Wire time for RTU replies (a pseudo-terminal ignores the baud rate); `nil` answers at once.
    package let pacing: LinePacing?

    package init(
        bus: SimulatedModbusBus,
        clock: @escaping @Sendable () -> Date = { Date() },
        pacing: LinePacing? = nil,
        logger: Logger
    ) {
        self.bus = bus
        self.clock = clock
        self.pacing = pacing
        self.logger = logger
    }

    /// Serves RTU frames (`unit | PDU | CRC`) on `transport` until cancelled or the transport closes.
    package func serveRTU(on transport: any Transport) async {
        var decoder = RTURequestDecoder()
        var line = PacedLine(pacing: pacing)
        while let bytes = await receive(from: transport) {
            line.received(bytes.count)
            decoder.append(bytes)
            while let adu = decoder.decode() {
                logger.trace("RTU request", metadata: ["unit": "\(adu.unit)", "request": "\(adu.message)"])
                let echo: [UInt8]
                if case .request(let request) = adu.message {
                    echo = RTUFraming.encode(unit: adu.unit, request: request)
                } else {
                    echo = []
                }
                let bus = bus
                let clock = clock
                guard let reply = await offPool({ bus.rtuReply(to: adu, requestFrame: echo, at: clock()) }) else {
                    line.skipped(unit: adu.unit)
                    continue
                }
                do {
                    try await line.send(reply, on: transport, unit: adu.unit)
                } catch {
                    logger.debug(
                        "Modbus reply not sent",
                        metadata: ["endpoint": "\(transport.endpoint)", "error": "\(error)"]
                    )
                    return
                }
            }
        }
    }

    /// Serves Modbus TCP (MBAP) requests on one connection until cancelled, the peer closes, or a header is broken.
    package func serveTCP(on transport: any Transport) async {
        var decoder = TCPRequestDecoder()
        while let bytes = await receive(from: transport) {
            decoder.append(bytes)
            do {
                while let adu = try decoder.decode() {
                    logger.trace("TCP request", metadata: ["unit": "\(adu.unit)", "request": "\(adu.message)"])
                    let bus = bus
                    let clock = clock
                    guard let reply = await offPool({ bus.tcpReply(to: adu, at: clock()) }) else { continue }
                    guard await send(reply, on: transport) else { return }
                }
            } catch {
                logger.warning(
                    "closing Modbus TCP connection",
                    metadata: ["peer": "\(transport.endpoint)", "error": "\(error)"]
                )
                return
            }
        }
    }

    /// Accepts connections on `listener` until cancelled, serving each with `framing` (`.tcp` or `.rtuOverTCP`)
    /// in its own child task; closes every connection when cancelled.
    package func serve(listener: TCPListener, framing: ModbusFraming) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                let connection: TCPTransport
                do {
                    connection = try await listener.accept()
                } catch {
                    break
                }
                logger.debug(
                    "Modbus connection",
                    metadata: ["peer": "\(connection.endpoint)", "framing": "\(framing)"]
                )
                group.addTask {
                    if framing == .tcp { await serveTCP(on: connection) } else { await serveRTU(on: connection) }
                    await connection.close()
                }
            }
            group.cancelAll()
        }
    }

    /// Runs `work` (a request: a model write may save the state file) on a dispatch queue, so blocking file I/O
    /// never runs on the cooperative pool.
    private func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// The next bytes, or `nil` when the loop should end (cancelled, closed, failed).
    private func receive(from transport: any Transport) async -> [UInt8]? {
        while !Task.isCancelled {
            do {
                return try await transport.read(maxCount: 512, timeout: .milliseconds(250))
            } catch TransportError.timeout {
                continue
            } catch {
                if !(error is CancellationError) {
                    logger.debug(
                        "Modbus transport ended",
                        metadata: ["endpoint": "\(transport.endpoint)", "error": "\(error)"]
                    )
                }
                return nil
            }
        }
        return nil
    }

    private func send(_ bytes: [UInt8], on transport: any Transport) async -> Bool {
        do {
            try await transport.write(bytes)
            return true
        } catch {
            logger.debug("Modbus reply not sent", metadata: ["endpoint": "\(transport.endpoint)", "error": "\(error)"])
            return false
        }
    }
}
