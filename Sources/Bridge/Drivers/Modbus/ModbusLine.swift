import Logging
import Modbus
import SerialIO

/// The one owner of a Modbus bus: its transport, its client and its gate.
///
/// Every transaction on the line goes through `transaction(priority:_:)`, which takes the bus's `BusGate` (commands
/// before polls, one at a time), opens the transport on first use or after a failure, and closes it again after a
/// failure that leaves the line out of step (a closed connection, too many stale replies), so the next transaction
/// starts clean.
actor ModbusLine {
    let bus: BusConfiguration
    let gate = BusGate()
    private let logger: Logger
    private var client: ModbusClient?
    private var lineSettings: LineSettings?
    private var openFailureLogged = false
    private var closed = false

    init(bus: BusConfiguration, logger: Logger) {
        self.bus = bus
        self.logger = logger
        if case .modbusRTU(_, let settings) = bus.link { lineSettings = settings }
    }

    /// Runs `body` with the client while holding the bus.
    /// - Throws: `TransportError` when the line cannot be opened; whatever `body` throws.
    func transaction<T: Sendable>(
        priority: BusGate.Priority,
        _ body: @Sendable (ModbusClient) async throws -> T
    ) async throws -> T {
        try await gate.withTransaction(priority: priority) {
            let client = try await openClient()
            do {
                return try await body(client)
            } catch {
                if Self.leavesLineOutOfStep(error) {
                    logger.info("reopening \(bus.link.endpoint) after: \(error)")
                    await dropClient()
                }
                throw error
            }
        }
    }

    /// The client's counters (zero before the line was first opened).
    func diagnostics() async -> ModbusDiagnostics { await client?.diagnostics ?? ModbusDiagnostics() }

    /// The serial settings in force (`nil` on TCP).
    var currentLineSettings: LineSettings? { lineSettings }

    /// Switches the serial line to new settings after the meter was told to change (baud rate, parity).
    func reconfigure(_ settings: LineSettings) async throws {
        lineSettings = settings
        if let client {
            try await client.transport.reconfigure(settings)
            await client.updateLineSettings(settings)
        }
    }

    func close() async {
        closed = true
        await dropClient()
    }

    private func dropClient() async {
        if let client { await client.transport.close() }
        client = nil
    }

    private func openClient() async throws -> ModbusClient {
        if let client { return client }
        guard !closed else { throw TransportError.closed(endpoint: bus.link.endpoint) }
        do {
            let transport: any Transport
            let framing: ModbusFraming
            switch bus.link {
            case .modbusRTU(let device, _):
                transport = try SerialPort(device: device, settings: lineSettings!, logger: logger)
                framing = .rtu
            case .modbusTCP(let host, let port):
                transport = try await TCPTransport.connect(host: host, port: port, timeout: bus.timeout)
                framing = .tcp
            case .modbusRTUOverTCP(let host, let port):
                transport = try await TCPTransport.connect(host: host, port: port, timeout: bus.timeout)
                framing = .rtuOverTCP
            default:
                throw TransportError.unsupportedSetting(
                    endpoint: bus.link.endpoint,
                    setting: bus.link.configKey,
                    reason: "not a Modbus bus"
                )
            }
            let client = ModbusClient(
                transport: transport,
                framing: framing,
                lineSettings: lineSettings,
                timeout: bus.timeout,
                requestGap: bus.requestGap,
                expectEcho: bus.echo,
                logger: logger
            )
            self.client = client
            if openFailureLogged { logger.notice("\(bus.link.endpoint) is open again") }
            openFailureLogged = false
            return client
        } catch {
            if !openFailureLogged { logger.error("cannot open bus \(bus.name): \(error)") }
            openFailureLogged = true
            throw error
        }
    }

    private static func leavesLineOutOfStep(_ error: any Error) -> Bool {
        switch error {
        case TransportError.closed, TransportError.systemCall: return true
        case ModbusError.tooManyMismatches: return true
        default: return false
        }
    }
}
