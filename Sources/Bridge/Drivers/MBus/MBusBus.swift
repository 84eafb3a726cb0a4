package import Logging
package import MBus
package import SerialIO

/// The M-Bus client as a `BusLine` owns it: `mbus_serial` through `SerialPort`, `mbus_tcp` through `TCPTransport`.
///
/// Timing from the bus configuration: `timeout` is the reply timeout of every request (and the connect timeout of
/// a gateway); `request_gap` is the pause after a secondary-address selection before the REQ_UD2, which some TCP
/// gateways need (the client's `selectionPause`).
extension MBusClient: BusClient {
    package static func make(
        transport: any Transport,
        line: LineSettings?,
        configuration: MBusClientConfiguration,
        logger: Logger
    ) -> MBusClient {
        var configuration = configuration
        if let line { configuration.line = line }
        return MBusClient(transport: transport, configuration: configuration)
    }

    package func lineChanged(to line: LineSettings) { setLine(line) }

    /// The M-Bus client recovers nothing silently: a garbled reply is retried and counted as a failed transaction.
    package var recoveries: WireRecoveries { WireRecoveries() }

    /// Any transport failure: the device vanished or the gateway closed the connection.
    package static func leavesLineOutOfStep(_ error: any Error) -> Bool {
        if case MBusError.transport = error { return true }
        return error is TransportError
    }

    package static func failureKind(_ error: any Error) -> TransactionFailure {
        switch error {
        case MBusError.noReply: return .timeout
        case MBusError.transport(let inner): return inner.isTimeout ? .timeout : .notCounted
        case MBusError.busy: return .notCounted
        case is MBusError: return .protocolError
        case let error as TransportError: return error.isTimeout ? .timeout : .notCounted
        default: return .notCounted
        }
    }
}

extension BusSession {
    /// An M-Bus bus: one `MBusMeterDriver` per meter on one `BusLine`.
    /// - Parameters:
    ///   - use: the bridge's bus, or a one-shot command's (`BusUse`).
    ///   - open: how to open the transport; the default opens the configured device or gateway.
    package static func mbus(
        _ bus: BusConfiguration,
        logger: Logger,
        use: BusUse = .bridge,
        open: BusLine<MBusClient>.Opener? = nil
    ) -> BusSession {
        var line = LineSettings(baudRate: 2400)
        var isSerial = false
        if case .mbusSerial(_, let settings) = bus.link {
            line = settings
            isSerial = true
        }
        let busLine = BusLine<MBusClient>(
            endpoint: bus.link.endpoint,
            settings: isSerial ? line : nil,
            configuration: MBusClientConfiguration(
                line: line,
                replyTimeout: bus.timeout,
                selectionPause: bus.requestGap
            ),
            logger: logger,
            use: use,
            open: open ?? bus.link.opener(connectTimeout: max(bus.timeout, .seconds(1)), logger: logger)
        )
        let serialLine = isSerial
        return BusSession(bus: bus, owner: busLine) { meter, alone in
            MBusMeterDriver(
                meter: meter,
                line: busLine,
                options: MBusMeterDriver.Options(aloneOnBus: alone, serialLine: serialLine),
                logger: Self.logger(logger, meter: meter)
            )
        }
    }
}

extension TransportError {
    /// Whether no byte arrived in time.
    var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }
}
