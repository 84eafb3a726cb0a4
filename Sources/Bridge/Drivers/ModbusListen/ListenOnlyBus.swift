import Logging
import Modbus

extension BusSession {
    /// A listen-only Modbus bus (`modbus_rtu_listen`): one `ModbusListener` as the bus's owner, one
    /// `ListenMeterDriver` per configured unit (a meter a reload adds to the bus is heard from its first poll).
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
        // The config gives every meter of a listen-only bus its unit id (`address`).
        return BusSession(bus: bus, owner: listener) { meter, _ in
            ListenMeterDriver(unit: UnitID(meter.address ?? 0), listener: listener)
        }
    }
}
