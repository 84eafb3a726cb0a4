package import Logging
package import Modbus
package import SerialIO

/// The Modbus client as a `BusLine` owns it: RTU on a serial line, TCP or RTU-over-TCP on a gateway.
extension ModbusClient: BusClient {
    /// The client settings a Modbus bus fixes.
    package struct Configuration: Sendable {
        package var framing: ModbusFraming
        package var timeout: Duration
        package var requestGap: Duration
        package var expectEcho: Bool
    }

    package static func make(
        transport: any Transport,
        line: LineSettings?,
        configuration: Configuration,
        logger: Logger
    ) -> ModbusClient {
        ModbusClient(
            transport: transport,
            framing: configuration.framing,
            lineSettings: line,
            timeout: configuration.timeout,
            requestGap: configuration.requestGap,
            expectEcho: configuration.expectEcho,
            logger: logger
        )
    }

    package func lineChanged(to line: LineSettings) { updateLineSettings(line) }

    package var recoveries: WireRecoveries {
        WireRecoveries(
            checksumErrors: diagnostics.crcErrors,
            strayBytes: diagnostics.strayBytes,
            echoes: diagnostics.echoes,
            mismatches: diagnostics.mismatches
        )
    }

    /// A closed connection, a failed system call or replies out of step (too many stale ones).
    package static func leavesLineOutOfStep(_ error: any Error) -> Bool {
        switch error {
        case TransportError.closed, TransportError.systemCall: return true
        case ModbusError.tooManyMismatches: return true
        default: return false
        }
    }

    package static func failureKind(_ error: any Error) -> TransactionFailure {
        switch error {
        case ModbusError.exception: return .exception
        case ModbusError.timeout, TransportError.timeout: return .timeout
        case is ModbusError: return .protocolError
        default: return .notCounted
        }
    }
}

extension BusSession {
    /// A Modbus bus: one `ModbusMeterDriver` per meter on one `BusLine`.
    static func modbus(_ bus: BusConfiguration, logger: Logger, use: BusUse) -> BusSession {
        let line = modbusLine(bus, logger: logger, use: use)
        return BusSession(bus: bus, owner: line) { meter, alone in
            ModbusMeterDriver(
                configuration: meter,
                line: line,
                logger: Self.logger(logger, meter: meter),
                aloneOnBus: alone
            )
        }
    }

    /// The line of a Modbus bus.
    static func modbusLine(_ bus: BusConfiguration, logger: Logger, use: BusUse) -> BusLine<ModbusClient> {
        let framing: ModbusFraming
        var settings: LineSettings?
        switch bus.link {
        case .modbusRTU(_, let line):
            framing = .rtu
            settings = line
        case .modbusTCP: framing = .tcp
        default: framing = .rtuOverTCP
        }
        return BusLine<ModbusClient>(
            endpoint: bus.link.endpoint,
            settings: settings,
            configuration: .init(
                framing: framing,
                timeout: bus.timeout,
                requestGap: bus.requestGap,
                expectEcho: bus.echo
            ),
            logger: logger,
            use: use,
            open: bus.link.opener(connectTimeout: bus.timeout, logger: logger)
        )
    }
}
