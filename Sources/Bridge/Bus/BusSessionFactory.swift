import Logging

/// Opens the bus session that speaks a bus's protocol.
enum BusSessionFactory {
    static func make(_ bus: BusConfiguration, logger: Logger) throws -> any BusSession {
        switch bus.link.protocol {
        case .modbus:
            throw ConfigurationError(file: "", line: nil, key: bus.name, message: "modbus buses are not wired yet")
        case .mbus:
            throw ConfigurationError(file: "", line: nil, key: bus.name, message: "mbus buses are not wired yet")
        case .iec62056:
            return try IEC62056BusSession(bus, logger: logger)
        }
    }
}
