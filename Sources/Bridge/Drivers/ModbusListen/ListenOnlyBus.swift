import Logging
import Modbus

extension BusSession {
    /// A listen-only Modbus bus (`modbus_rtu_listen`): one `ModbusListener` as the bus's owner, one
    /// `ListenMeterDriver` per configured unit.
    static func modbusListen(_ bus: BusConfiguration, logger: Logger) throws -> BusSession {
        guard case .modbusRTUListen(let device, let settings) = bus.link else {
            throw ConfigurationError(
                file: "",
                line: nil,
                key: bus.name,
                message: "\(bus.link.configKey) is not a listen-only bus"
            )
        }
        let units = bus.meters.compactMap { $0.address.map(UnitID.init) }
        let listener = ModbusListener(device: device, settings: settings, units: units, logger: logger)
        let meters = bus.meters.compactMap { meter in
            meter.address.map {
                BusMeter(configuration: meter, driver: ListenMeterDriver(unit: UnitID($0), listener: listener))
            }
        }
        return BusSession(bus: bus, owner: listener, meters: meters)
    }
}
