import Bridge
import Foundation
import Logging
import PRO380
import SerialIO
import Simulator
import TestSupport

/// A shared RS-485 line for listen-only tests, on a `BridgeHarness`: port 0 for the other master, port 1 served by
/// a simulated PRO380 (unit 1, clock frozen), port 2 heard by the bridge as meter `heard` on bus `wallbox`. All of
/// it stops when the harness finishes.
struct SharedLineRig {
    static let settings = LineSettings(baudRate: 9600, parity: .none)

    let line: SharedSerialLine
    let meter: PRO380Model
    let simulated: SimulatedModbusBus
    /// The path the other master opens.
    var masterPath: String { line.devicePaths[0] }

    init(_ harness: BridgeHarness, faults: ModbusFaults = ModbusFaults(), interval: Duration) throws {
        var logger = Logger(label: "shared-line")
        logger.logLevel = .critical
        let line = try SharedSerialLine(ports: 3, logger: logger)
        let relay = Task { await line.run() }
        harness.onFinish {
            relay.cancel()
            await relay.value
            await line.close()
        }
        let clock = SimulatedClock()
        meter = try PRO380Model(start: clock.now)
        simulated = SimulatedModbusBus(meters: [meter], faults: faults)
        let meterPort = try SerialPort(device: line.devicePaths[1], settings: Self.settings, logger: logger)
        let server = ModbusSimulatorServer(bus: simulated, clock: { clock.now }, logger: logger)
        let serving = Task { await server.serveRTU(on: meterPort) }
        harness.onFinish {
            serving.cancel()
            await serving.value
            await meterPort.close()
        }
        self.line = line
        let bus = BusConfiguration(
            name: "wallbox",
            link: .modbusRTUListen(device: line.devicePaths[2], settings: Self.settings),
            meters: [
                MeterConfiguration(
                    name: "heard",
                    address: 1,
                    intervals: [.identity: interval, .instantaneous: interval, .energy: interval],
                    allowCommands: []
                )
            ]
        )
        harness.startBridge(harness.configuration(buses: [bus], diagnosticsInterval: interval))
    }

    /// Our own polling driver as the other master, on port 0.
    func ownMaster(timeout: Duration) throws -> BusSession {
        var logger = Logger(label: "own-master")
        logger.logLevel = .critical
        return try BusSession(
            BusConfiguration(
                name: "master",
                link: .modbusRTU(device: masterPath, settings: Self.settings),
                timeout: timeout,
                meters: [MeterConfiguration(name: "master", address: 1, allowCommands: [])]
            ),
            logger: logger
        )
    }

    /// Whether the bridge's port sent nothing, while the master's and the meter's did (the record works).
    var onlyTheOthersTransmitted: Bool {
        line.transmitted(by: 2).isEmpty && !line.transmitted(by: 0).isEmpty && !line.transmitted(by: 1).isEmpty
    }
}
