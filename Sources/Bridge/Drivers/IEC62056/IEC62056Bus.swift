package import IEC62056
package import Logging
package import SerialIO

/// The IEC 62056-21 readout client as a `BusLine` owns it: an optical head on a serial port, or one behind a
/// serial-to-TCP gateway.
///
/// Serial (`BusLink.iec62056Serial`): the port opens at the sign-on settings 300 baud 7E1 (a pseudo-terminal runs
/// 8N1 instead, with a warning from `SerialPort`) and the session switches to the rate the meter proposes unless
/// `fixedSpeed`. TCP (`BusLink.iec62056TCP`): a gateway's line speed cannot be switched from here, so the session
/// always stays at the sign-on speed (`ACK 0 0 0`). The inter-character timeout is the bus's `timeout` (default
/// 1500 ms, the standard's ta).
extension IEC62056Client: BusClient {
    package static func make(
        transport: any Transport,
        line: LineSettings?,
        configuration: IEC62056ClientConfiguration,
        logger: Logger
    ) -> IEC62056Client {
        IEC62056Client(transport: transport, configuration: configuration)
    }

    /// The client switches speed itself within a readout and back at the next sign-on: nothing to note.
    package func lineChanged(to line: LineSettings) {}

    /// A readout with a wrong BCC fails whole; nothing is recovered silently.
    package var recoveries: WireRecoveries { WireRecoveries() }

    /// A timeout (the head may be left at another speed) or any transport failure.
    package static func leavesLineOutOfStep(_ error: any Error) -> Bool {
        switch error {
        case IEC62056Error.timeout: return true
        case is TransportError: return true
        default: return false
        }
    }

    package static func failureKind(_ error: any Error) -> TransactionFailure {
        switch error {
        case IEC62056Error.timeout, TransportError.timeout: return .timeout
        case IEC62056Error.busy: return .notCounted
        case is IEC62056Error: return .protocolError
        default: return .notCounted
        }
    }
}

extension BusSession {
    /// The client configuration and the opener an IEC 62056-21 bus link asks for, or `nil` for another link.
    static func iec62056Link(
        _ bus: BusConfiguration,
        logger: Logger
    ) -> (configuration: IEC62056ClientConfiguration, open: BusLine<IEC62056Client>.Opener)? {
        var configuration = IEC62056ClientConfiguration()
        configuration.interCharacterTimeout = bus.timeout
        switch bus.link {
        case .iec62056Serial(_, _, let fixedSpeed):
            configuration.signOnSettings = bus.link.serialSettings ?? configuration.signOnSettings
            configuration.speedMode = fixedSpeed ? .fixed : .switchToOffered
        case .iec62056TCP:
            configuration.speedMode = .fixed
        default:
            return nil
        }
        return (configuration, bus.link.opener(connectTimeout: max(bus.timeout, .seconds(2)), logger: logger))
    }

    /// An IEC 62056-21 bus with the configured link.
    /// - Throws: `ConfigurationError` when `bus` is not an IEC 62056-21 bus.
    static func iec62056(_ bus: BusConfiguration, logger: Logger, use: BusUse) throws -> BusSession {
        guard let link = iec62056Link(bus, logger: logger) else {
            throw ConfigurationError(file: "", line: nil, key: bus.name, message: "not an iec62056 bus")
        }
        return iec62056(bus, clientConfiguration: link.configuration, logger: logger, use: use, open: link.open)
    }

    /// An IEC 62056-21 bus on a transport `open` makes (tests, other links), with an explicit client configuration;
    /// one `IEC62056MeterDriver` per meter on one `BusLine`. Nothing is opened until the first readout.
    package static func iec62056(
        _ bus: BusConfiguration,
        clientConfiguration: IEC62056ClientConfiguration,
        logger: Logger,
        use: BusUse = .bridge,
        open: @escaping BusLine<IEC62056Client>.Opener
    ) -> BusSession {
        var settings: LineSettings?
        if case .iec62056Serial = bus.link { settings = clientConfiguration.signOnSettings }
        let line = BusLine<IEC62056Client>(
            endpoint: bus.link.endpoint,
            settings: settings,
            configuration: clientConfiguration,
            logger: logger,
            use: use,
            open: open
        )
        return BusSession(bus: bus, owner: line) { meter, _ in
            IEC62056MeterDriver(
                meter: meter.name,
                deviceAddress: meter.deviceAddress,
                line: line,
                logger: Self.logger(logger, meter: meter)
            )
        }
    }
}
