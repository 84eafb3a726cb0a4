import Logging

/// Opens the bus session that speaks a bus's protocol.
enum BusSessionFactory {
    static func make(_ bus: BusConfiguration, logger: Logger) throws -> any BusSession {
        throw ConfigurationError(file: "", line: nil, key: bus.name, message: "\(bus.link.configKey) buses are not wired yet")
    }
}
