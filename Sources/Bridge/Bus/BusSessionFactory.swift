package import Logging

/// Opens the bus session that speaks a bus's protocol: the one place that maps a `BusLink` to its driver.
package enum BusSessionFactory {
    package static func make(_ bus: BusConfiguration, logger: Logger) throws -> any BusSession {
        switch bus.link.protocol {
        case .modbus:
            return ModbusBusSession(bus: bus, logger: logger)
        case .mbus:
            throw ConfigurationError(file: "", line: nil, key: bus.name, message: "mbus buses are not wired yet")
        case .iec62056:
            return try IEC62056BusSession(bus, logger: logger)
        }
    }
}
