import Foundation
package import Logging
import MBus
import PRO380
import SerialIO

/// An M-Bus bus: the transport (`mbus_serial` through `SerialPort`, `mbus_tcp` through `TCPTransport`), its
/// `MBusClient`, the `BusGate` every transaction takes, and one `MBusMeterDriver` per configured meter.
///
/// Timing from the bus configuration: `timeout` is the reply timeout of every request (and the connect
/// timeout of a gateway); `request_gap` is the pause after a secondary-address selection before the REQ_UD2,
/// which some TCP gateways need (the client's `selectionPause`).
package final class MBusBusSession: BusSession {
    package let name: String
    package var meterProtocol: BusLink.MeterProtocol { .mbus }
    package let meters: [BusMeter]
    let link: MBusLink
    let gate: BusGate

    /// Builds the session for `bus` (an `mbus_serial` or `mbus_tcp` link); nothing is opened until the first
    /// transaction.
    /// - Parameter open: how to open the transport; the default opens the configured device or gateway.
    package init(_ bus: BusConfiguration, logger: Logger, open: MBusLink.Opener? = nil) {
        name = bus.name
        let gate = BusGate()
        let link = MBusLink(
            endpoint: bus.link.endpoint,
            configuration: Self.clientConfiguration(bus),
            logger: logger,
            open: open ?? Self.opener(for: bus, logger: logger)
        )
        self.gate = gate
        self.link = link
        let lone = bus.meters.count == 1
        var isSerial = false
        if case .mbusSerial = bus.link { isSerial = true }
        meters = bus.meters.map { meter in
            var meterLogger = logger
            meterLogger[metadataKey: "meter"] = "\(meter.name)"
            let driver = MBusMeterDriver(
                meter: meter,
                link: link,
                gate: gate,
                options: MBusMeterDriver.Options(aloneOnBus: lone, serialLine: isSerial),
                logger: meterLogger
            )
            return BusMeter(configuration: meter, driver: driver)
        }
    }

    /// The client settings for `bus`: its line (2400 8E1 by default), reply timeout and selection pause.
    static func clientConfiguration(_ bus: BusConfiguration) -> MBusClientConfiguration {
        var line = LineSettings(baudRate: 2400)
        if case .mbusSerial(_, let settings) = bus.link { line = settings }
        return MBusClientConfiguration(line: line, replyTimeout: bus.timeout, selectionPause: bus.requestGap)
    }

    /// Opens a `SerialPort` on the device, or connects to the gateway with the bus timeout.
    static func opener(for bus: BusConfiguration, logger: Logger) -> MBusLink.Opener {
        let link = bus.link
        let timeout = bus.timeout
        return { line in
            switch link {
            case .mbusSerial(let device, _):
                return try SerialPort(device: device, settings: line, logger: logger)
            case .mbusTCP(let host, let port):
                return try await TCPTransport.connect(host: host, port: port, timeout: max(timeout, .seconds(1)))
            default:
                throw TransportError.connectFailed(endpoint: link.endpoint, reason: "not an M-Bus link")
            }
        }
    }

    package func diagnosticsJSON() async -> String {
        let counters = await link.counters
        let line = await link.line
        return "{\"protocol\": \"mbus\", \"endpoint\": \(JSONText.quote(link.endpoint)), \"baud\": \(line.baudRate), "
            + "\"transport_opens\": \(counters.opens), \"open_failures\": \(counters.openFailures), "
            + "\"transport_drops\": \(counters.drops), \"queue_length\": \(gate.queueLength)}"
    }

    /// Closes the transport after the transaction in flight; at once when the calling task is already
    /// cancelled (shutdown), since a cancelled task cannot wait for the gate.
    package func close() async {
        if Task.isCancelled {
            await link.close()
            return
        }
        do {
            try await gate.withTransaction(priority: .command) { await link.close() }
        } catch {
            await link.close()
        }
    }
}
