package import Logging
import PRO380

/// One configured bus as the service sees it: its owner (a `BusLine`), its meters with their drivers.
///
/// One type for every protocol: `init(_:logger:)` is the one place that maps a bus's protocol to its client and
/// driver.
package struct BusSession: Sendable {
    /// The bus's configured name.
    package let name: String
    /// The protocol spoken on this bus.
    package let meterProtocol: BusLink.MeterProtocol
    /// The meters on this bus, in configuration order.
    package let meters: [BusMeter]
    private let owner: any BusOwner

    /// The session for `bus`; nothing is opened until the first transaction.
    /// - Throws: `ConfigurationError` when the bus's link does not fit its protocol.
    package init(_ bus: BusConfiguration, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "bus"] = "\(bus.name)"
        switch bus.link.protocol {
        case .modbus: self = Self.modbus(bus, logger: logger)
        case .mbus: self = Self.mbus(bus, logger: logger)
        case .iec62056: self = try Self.iec62056(bus, logger: logger)
        case .modbusListen: self = try Self.modbusListen(bus, logger: logger)
        }
    }

    init(bus: BusConfiguration, owner: any BusOwner, meters: [BusMeter]) {
        self.name = bus.name
        self.meterProtocol = bus.link.protocol
        self.owner = owner
        self.meters = meters
    }

    /// The bus's counters for `<base>/bridge/<client_id>/diagnostics`.
    package func diagnostics() async -> BusDiagnostics {
        await owner.diagnostics(protocolName: meterProtocol.rawValue, meters: meters.count)
    }

    /// What keeps the bus going besides its meters' pollers, until the calling task is cancelled: listening, on a
    /// listen-only bus; nothing (it returns at once) on a bus the bridge polls, whose line works only in the
    /// pollers' transactions. `BusService` runs it beside the pollers.
    package func run() async { await owner.run() }

    /// Closes the transport after the transaction in flight.
    package func close() async { await owner.close() }

    /// A logger for the driver of `meter`.
    static func logger(_ logger: Logger, meter: MeterConfiguration) -> Logger {
        var logger = logger
        logger[metadataKey: "meter"] = "\(meter.name)"
        return logger
    }
}

/// What a session needs of its bus's owner: a `BusLine`, whatever the client type, or a listen-only bus's
/// `ModbusListener`.
protocol BusOwner: Sendable {
    func diagnostics(protocolName: String, meters: Int) async -> BusDiagnostics
    func run() async
    func close() async
}

extension BusLine: BusOwner {
    /// Nothing to run: the line works in its transactions.
    func run() async {}
}

/// A configured meter and the driver that reads it.
package struct BusMeter: Sendable {
    package var configuration: MeterConfiguration
    package var driver: any MeterDriver

    package init(configuration: MeterConfiguration, driver: any MeterDriver) {
        self.configuration = configuration
        self.driver = driver
    }
}
