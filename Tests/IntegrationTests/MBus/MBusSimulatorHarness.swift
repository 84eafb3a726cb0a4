import Bridge
import Foundation
import Logging
import MBus
import PRO380
import SerialIO
import Simulator

/// Simulated PRO380-Mb meters served on a real pseudo-terminal or loopback TCP listener for one test body.
struct MBusSimulatorHarness {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// The manual's example telegram (A2.2) as energy registers: forward and reverse per tariff on L1, so with
    /// combination code 5 (forward + reverse) the totals are the manual's 16048.14, 3580.23 and 12467.91 kWh.
    static var manualCounters: EnergyCounters {
        var counters = EnergyCounters()
        counters.forwardActive[0] = [1234.56, 5678.90]
        counters.reverseActive[0] = [2345.67, 6789.01]
        return counters
    }

    /// The manual's nine values by vocabulary key.
    static let manualValues: [String: Decimal] = [
        "active_energy_total": Decimal(string: "16048.14")!, "active_energy_t1": Decimal(string: "3580.23")!,
        "active_energy_t2": Decimal(string: "12467.91")!, "forward_active_energy_total": Decimal(string: "6913.46")!,
        "forward_active_energy_t1": Decimal(string: "1234.56")!, "forward_active_energy_t2": Decimal(string: "5678.9")!,
        "reverse_active_energy_total": Decimal(string: "9134.68")!,
        "reverse_active_energy_t1": Decimal(string: "2345.67")!,
        "reverse_active_energy_t2": Decimal(string: "6789.01")!,
    ]

    /// A meter with the manual's counters, a frozen clock (values do not move) and no load.
    static func meter(serial: String = "13070042", primary: Int = 0) throws -> SimulatedMBusMeter {
        let idle = PhaseLoad(voltage: 230, current: 0, angle: 0)
        let model = try PRO380Model(
            settings: SimulatedMeterSettings(serialNumber: serial, baudRate: 2400, mbusPrimaryAddress: primary),
            counters: manualCounters,
            profile: .constant(phases: [idle, idle, idle], frequency: 50),
            start: start
        )
        return SimulatedMBusMeter(model: model)
    }

    static let logger = Logger(label: "mbus-test")

    /// Serves `meters` on `endpoint` while `body` runs, then stops the server and closes the endpoint.
    static func with<T: Sendable>(
        _ meters: [SimulatedMBusMeter],
        on endpoint: MBusSimulatorServer.Endpoint = .pseudoTerminal,
        faults: MBusFaults = MBusFaults(),
        _ body: @Sendable (SimulatedMBusBus, MBusSimulatorServer) async throws -> T
    ) async throws -> T {
        let bus = SimulatedMBusBus(meters: meters, faults: faults)
        let server = try MBusSimulatorServer(bus: bus, endpoint: endpoint, logger: logger, clock: { start })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await server.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(bus, server)
        }
    }

    /// The bus configuration the bridge would read for this server.
    static func busConfiguration(_ server: MBusSimulatorServer, meters: [MeterConfiguration]) -> BusConfiguration {
        let link: BusLink
        if let port = server.port {
            link = .mbusTCP(host: "127.0.0.1", port: port)
        } else {
            link = .mbusSerial(device: server.endpoint, settings: LineSettings(baudRate: 2400))
        }
        return BusConfiguration(name: "mbus", link: link, timeout: .seconds(2), meters: meters)
    }
}
