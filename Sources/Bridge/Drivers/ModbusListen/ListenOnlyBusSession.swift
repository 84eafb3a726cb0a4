import Logging
import Modbus

/// A listen-only Modbus bus (`modbus_rtu_listen`) with its meters: one `ModbusListener`, one `ListenMeterDriver`
/// per configured unit.
struct ListenOnlyBusSession: BusSession {
    let name: String
    let meterProtocol = BusLink.MeterProtocol.modbusListen
    let meters: [BusMeter]
    let listener: ModbusListener

    init(bus: BusConfiguration, logger: Logger) throws {
        guard case .modbusRTUListen(let device, let settings) = bus.link else {
            throw ConfigurationError(
                file: "",
                line: nil,
                key: bus.name,
                message: "\(bus.link.configKey) is not a listen-only bus"
            )
        }
        var logger = logger
        logger[metadataKey: "bus"] = "\(bus.name)"
        let units = bus.meters.compactMap { $0.address.map(UnitID.init) }
        let listener = ModbusListener(device: device, settings: settings, units: units, logger: logger)
        self.name = bus.name
        self.listener = listener
        self.meters = bus.meters.compactMap { meter in
            meter.address.map {
                BusMeter(configuration: meter, driver: ListenMeterDriver(unit: UnitID($0), listener: listener))
            }
        }
    }

    func diagnosticsJSON() async -> String { await listener.diagnosticsJSON() }

    func close() async { await listener.close() }
}
