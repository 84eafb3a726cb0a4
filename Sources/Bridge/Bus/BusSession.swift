import PRO380

/// One bus as the service sees it: its meters with their drivers, its counters, and a way to close it.
///
/// Each protocol has one implementation (Modbus now; M-Bus and IEC 62056-21 plug in the same way) that owns the
/// transport and the `BusGate`, so exactly one transaction runs on the line at a time.
package protocol BusSession: Sendable {
    /// The bus's configured name.
    var name: String { get }
    /// The protocol spoken on this bus.
    var meterProtocol: BusLink.MeterProtocol { get }
    /// The meters on this bus, in configuration order.
    var meters: [BusMeter] { get }
    /// Bus-level counters for `<base>/bridge/<client_id>/diagnostics`, as a JSON object.
    func diagnosticsJSON() async -> String
    /// Closes the transport after the transaction in flight.
    func close() async
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
