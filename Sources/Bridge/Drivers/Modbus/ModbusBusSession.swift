import Foundation
import Logging
import Modbus

/// A Modbus bus (RTU on a serial line, TCP or RTU-over-TCP gateway) with its meters.
struct ModbusBusSession: BusSession {
    let name: String
    let meterProtocol = BusLink.MeterProtocol.modbus
    let meters: [BusMeter]
    let line: ModbusLine

    init(bus: BusConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "bus"] = "\(bus.name)"
        let line = ModbusLine(bus: bus, logger: logger)
        self.name = bus.name
        self.line = line
        self.meters = bus.meters.map { meter in
            var meterLogger = logger
            meterLogger[metadataKey: "meter"] = "\(meter.name)"
            return BusMeter(
                configuration: meter,
                driver: ModbusMeterDriver(
                    configuration: meter,
                    line: line,
                    logger: meterLogger,
                    aloneOnBus: bus.meters.count == 1
                )
            )
        }
    }

    func diagnosticsJSON() async -> String {
        let d = await line.diagnostics()
        let rtt = d.lastRoundTrip.map { String(format: "%.1f", ModbusMeterDriver.milliseconds($0)) } ?? "null"
        return "{\"transactions\": \(d.transactions), \"timeouts\": \(d.timeouts), \"crc_errors\": \(d.crcErrors), "
            + "\"exceptions\": \(d.exceptions), \"stray_bytes\": \(d.strayBytes), \"echoes\": \(d.echoes), "
            + "\"mismatches\": \(d.mismatches), \"last_round_trip_ms\": \(rtt), \"queued_transactions\": \(line.gate.queueLength)}"
    }

    func close() async { await line.close() }
}
