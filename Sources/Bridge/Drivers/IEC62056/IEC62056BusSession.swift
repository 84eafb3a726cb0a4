import Foundation
package import IEC62056
package import Logging
import PRO380
import SerialIO

/// One IEC 62056-21 bus: an optical head on a serial port, or one behind a serial-to-TCP gateway, with the meters
/// read through it.
///
/// Owns the `IEC62056Line` (transport and readout client) and the `BusGate`; each meter gets an
/// `IEC62056MeterDriver`. Serial (`BusLink.iec62056Serial`): the port opens at the sign-on settings 300 baud 7E1
/// (a pseudo-terminal runs 8N1 instead, with a warning from `SerialPort`) and the session switches to the rate the
/// meter proposes unless `fixedSpeed`. TCP (`BusLink.iec62056TCP`): a gateway's line speed cannot be switched from
/// here, so the session always stays at the sign-on speed (`ACK 0 0 0`).
package final class IEC62056BusSession: BusSession {
    package let name: String
    package let meterProtocol = BusLink.MeterProtocol.iec62056
    package let meters: [BusMeter]
    package let line: IEC62056Line
    private let gate: BusGate

    /// A session for `bus`; nothing is opened until the first readout.
    /// - Throws: `ConfigurationError` when `bus` is not an IEC 62056-21 bus.
    package convenience init(_ bus: BusConfiguration, logger: Logger) throws {
        guard let link = Self.link(bus, logger: logger) else {
            throw ConfigurationError(file: "", line: nil, key: bus.name, message: "not an iec62056 bus")
        }
        self.init(bus, clientConfiguration: link.configuration, logger: logger, open: link.open)
    }

    /// A session on a transport `open` makes (tests, other links), with an explicit client configuration.
    package init(
        _ bus: BusConfiguration,
        clientConfiguration: IEC62056ClientConfiguration,
        logger: Logger,
        open: @escaping IEC62056Line.Opener
    ) {
        let line = IEC62056Line(
            endpoint: bus.link.endpoint,
            configuration: clientConfiguration,
            logger: logger,
            open: open
        )
        let gate = BusGate()
        self.name = bus.name
        self.line = line
        self.gate = gate
        self.meters = bus.meters.map { meter in
            var meterLogger = logger
            meterLogger[metadataKey: "meter"] = "\(meter.name)"
            let driver = IEC62056MeterDriver(
                meter: meter.name,
                deviceAddress: meter.deviceAddress,
                line: line,
                gate: gate,
                logger: meterLogger
            )
            return BusMeter(configuration: meter, driver: driver)
        }
    }

    /// The client configuration and the opener a bus link asks for, or `nil` for a non-IEC link.
    ///
    /// The inter-character timeout is the bus's `timeout` (default 1500 ms, the standard's ta).
    static func link(
        _ bus: BusConfiguration,
        logger: Logger
    ) -> (configuration: IEC62056ClientConfiguration, open: IEC62056Line.Opener)? {
        var configuration = IEC62056ClientConfiguration()
        configuration.interCharacterTimeout = bus.timeout
        switch bus.link {
        case .iec62056Serial(let device, let baudRate, let fixedSpeed):
            configuration.signOnSettings = LineSettings(baudRate: baudRate, dataBits: 7, parity: .even, stopBits: 1)
            configuration.speedMode = fixedSpeed ? .fixed : .switchToOffered
            let settings = configuration.signOnSettings
            return (configuration, { try SerialPort(device: device, settings: settings, logger: logger) })
        case .iec62056TCP(let host, let port):
            configuration.speedMode = .fixed
            let timeout = max(bus.timeout, .seconds(2))
            return (configuration, { try await TCPTransport.connect(host: host, port: port, timeout: timeout) })
        default:
            return nil
        }
    }

    /// `{"bus": ..., "endpoint": ..., "meters": n, "queue": n}`.
    package func diagnosticsJSON() async -> String {
        "{\"bus\": \(JSONText.quote(name)), \"protocol\": \"iec62056\", \"endpoint\": \(JSONText.quote(line.endpoint)), "
            + "\"meters\": \(meters.count), \"queue\": \(gate.queueLength)}"
    }

    /// Closes the line after the readout in flight.
    package func close() async {
        try? await gate.withTransaction(priority: .command) { await line.close() }
    }
}
