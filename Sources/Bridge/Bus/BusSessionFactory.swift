package import Logging

/// Opens the bus session that speaks a bus's protocol: the one place that maps a `BusLink` to its driver.
package enum BusSessionFactory {
    package static func make(_ bus: BusConfiguration, logger: Logger) throws -> any BusSession {
        switch bus.link.protocol {
        case .modbus:
            return ModbusBusSession(bus: bus, logger: logger)
        case .mbus:
            return MBusBusSession(bus, logger: logger)
        case .iec62056:
            return try IEC62056BusSession(bus, logger: logger)
        case .modbusListen:
            return try ListenOnlyBusSession(bus: bus, logger: logger)
        }
    }
}
