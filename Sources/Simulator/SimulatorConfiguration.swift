package import Foundation

/// What the `simulate` command and the demo start: meters, where they are served, faults, state files.
package struct SimulatorConfiguration: Sendable {
    /// Where the Modbus bus is served.
    package enum Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// Modbus RTU on a new pseudo-terminal; the bridge opens its device path as a serial port.
        case pseudoTerminal
        /// Modbus TCP (MBAP) on a listening socket; port 0 picks a free port.
        case tcp(host: String, port: Int)
        /// Modbus RTU frames on a listening socket (a transparent serial server).
        case rtuOverTCP(host: String, port: Int)

        package var description: String {
            switch self {
            case .pseudoTerminal: return "modbus_rtu on a pseudo-terminal"
            case .tcp(let host, let port): return "modbus_tcp on \(host):\(port)"
            case .rtuOverTCP(let host, let port): return "modbus_rtu_over_tcp on \(host):\(port)"
            }
        }
    }

    /// Where the bus is served.
    package var endpoint: Endpoint
    /// The meters on the bus, each with its own Modbus ID (serial numbers should differ).
    package var meters: [SimulatedMeterSettings]
    /// The seed of the first meter's household load; meter `n` uses `seed + n`.
    package var seed: UInt64
    /// A folder for the meters' state files (`meter-<serial>.json`), created if missing; `nil` keeps no state.
    package var stateDirectory: URL?
    /// How often the state files are written while running (and once more when the service stops).
    package var saveInterval: Duration
    /// Misbehaviour for tests.
    package var faults: ModbusFaults
    /// The Modbus meters answer like firmware from before the current register map: every request refused with
    /// exception 02 (`SimulatedModbusBus.legacyRegisterMap`).
    package var legacyRegisterMap = false
    /// Where the first meter's optical port (IEC 62056-21 mode C readout) is served; `nil` serves none.
    package var opticalPort: IEC62056SimulatorEndpoint?
    /// How the optical port answers: identification, reaction time, faults.
    package var optical: IEC62056SimulatorConfiguration
    /// Where the meters are also served as PRO380-Mb on one M-Bus (each at its `mbusPrimaryAddress` and
    /// `mbusSecondaryAddress`); `nil` serves none.
    package var mbusPort: MBusSimulatorServer.Endpoint?
    /// Wire time for Modbus RTU replies (pseudo-terminal or RTU over TCP); `nil` answers at once.
    package var pacing: LinePacing?
    /// Wire time for M-Bus replies; `nil` answers at once.
    package var mbusPacing: LinePacing?

    /// - Parameter meters: defaults to one meter, Modbus ID 1, serial 13070042.
    package init(
        endpoint: Endpoint = .tcp(host: "127.0.0.1", port: 0),
        meters: [SimulatedMeterSettings] = [SimulatedMeterSettings()],
        seed: UInt64 = 1,
        stateDirectory: URL? = nil,
        saveInterval: Duration = .seconds(60),
        faults: ModbusFaults = ModbusFaults(),
        opticalPort: IEC62056SimulatorEndpoint? = nil,
        optical: IEC62056SimulatorConfiguration = IEC62056SimulatorConfiguration(),
        mbusPort: MBusSimulatorServer.Endpoint? = nil,
        pacing: LinePacing? = nil,
        mbusPacing: LinePacing? = nil
    ) {
        self.endpoint = endpoint
        self.meters = meters
        self.seed = seed
        self.stateDirectory = stateDirectory
        self.saveInterval = saveInterval
        self.faults = faults
        self.opticalPort = opticalPort
        self.optical = optical
        self.mbusPort = mbusPort
        self.pacing = pacing
        self.mbusPacing = mbusPacing
    }

    /// `gateways` Modbus TCP gateways on `host`, each with `metersPerGateway` meters at unit ids 1...n: the
    /// serial numbers count up across the gateways from `firstSerial` (each meter its own), the load seeds too.
    /// Port 0 lets each gateway pick a free port; a fixed `port` gives the gateways `port`, `port + 1`, ...
    package static func gateways(
        _ gateways: Int,
        metersPerGateway: Int,
        host: String = "127.0.0.1",
        port: Int = 0,
        firstSerial: Int = 13_070_001,
        seed: UInt64 = 1
    ) -> [SimulatorConfiguration] {
        (0..<max(gateways, 1)).map { gateway in
            var meters = Self.meters(count: metersPerGateway)
            for index in meters.indices {
                meters[index].serialNumber = String(format: "%08d", firstSerial + gateway * metersPerGateway + index)
                meters[index].mbusSecondaryAddress = meters[index].serialNumber
            }
            return SimulatorConfiguration(
                endpoint: .tcp(host: host, port: port == 0 ? 0 : port + gateway),
                meters: meters,
                seed: seed &+ UInt64(gateway * metersPerGateway)
            )
        }
    }

    /// `count` meters with Modbus IDs and M-Bus primary addresses 1...count, serial numbers 13070001, 13070002, ...
    package static func meters(count: Int) -> [SimulatedMeterSettings] {
        (1...max(count, 1)).map { n in
            SimulatedMeterSettings(
                serialNumber: String(format: "%08d", 13_070_000 + n),
                modbusID: n,
                mbusPrimaryAddress: n
            )
        }
    }
}
