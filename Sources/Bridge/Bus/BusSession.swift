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
    /// Makes the driver of a meter on this bus's line; `aloneOnBus`: the only meter configured on the bus.
    private let makeDriver: DriverFactory

    /// Makes a meter's driver on a session's line.
    typealias DriverFactory = @Sendable (_ meter: MeterConfiguration, _ aloneOnBus: Bool) -> any MeterDriver

    /// The session for `bus`; nothing is opened until the first transaction.
    /// - Parameter use: the bridge's bus, or a one-shot command's (`BusUse`: what a failed open promises).
    /// - Throws: `ConfigurationError` when the bus's link does not fit its protocol.
    package init(_ bus: BusConfiguration, logger: Logger, use: BusUse = .bridge) throws {
        var logger = logger
        logger[metadataKey: "bus"] = "\(bus.name)"
        switch bus.link.protocol {
        case .modbus: self = Self.modbus(bus, logger: logger, use: use)
        case .mbus: self = Self.mbus(bus, logger: logger, use: use)
        case .iec62056: self = try Self.iec62056(bus, logger: logger, use: use)
        case .modbusListen: self = try Self.modbusListen(bus, logger: logger)
        }
    }

    /// A session on `owner` with a driver from `makeDriver` for each meter of `bus`.
    init(bus: BusConfiguration, owner: any BusOwner, makeDriver: @escaping DriverFactory) {
        self.init(bus: bus, owner: owner, makeDriver: makeDriver, kept: [:])
    }

    private init(
        bus: BusConfiguration,
        owner: any BusOwner,
        makeDriver: @escaping DriverFactory,
        kept: [String: BusMeter]
    ) {
        self.name = bus.name
        self.meterProtocol = bus.link.protocol
        self.owner = owner
        self.makeDriver = makeDriver
        self.meters = bus.meters.map { meter in
            kept[meter.name] ?? BusMeter(configuration: meter, driver: makeDriver(meter, bus.meters.count == 1))
        }
    }

    /// The same line (its transport stays open) with the meters of `bus`, which has this session's name and line
    /// settings: the meters named in `keeping` keep their drivers (and what they learned), the others get new ones.
    /// A reload's change of the meters of an unchanged bus.
    package func replacingMeters(with bus: BusConfiguration, keeping: Set<String>) -> BusSession {
        let kept = Dictionary(
            uniqueKeysWithValues: meters.filter { keeping.contains($0.configuration.name) }.map {
                ($0.configuration.name, $0)
            }
        )
        return BusSession(bus: bus, owner: owner, makeDriver: makeDriver, kept: kept)
    }

    /// The bus's counters for `<base>/bridge/<client_id>/diagnostics`.
    package func diagnostics() async -> BusDiagnostics {
        await owner.diagnostics(protocolName: meterProtocol.rawValue, meters: meters.count)
    }

    /// What keeps the bus going besides its meters' pollers, until the calling task is cancelled: listening, on a
    /// listen-only bus; nothing (it returns at once) on a bus the bridge polls, whose line works only in the
    /// pollers' transactions. `BusRunner` runs it beside the pollers.
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
