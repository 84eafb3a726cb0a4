import Bridge
import Foundation
import Logging
import MQTT
import PRO380
import Simulator
import Synchronization
import TestSupport
import Testing

/// Everything one end-to-end bridge test runs: a real mosquitto, the bridge service in a task, and a recording MQTT
/// client subscribed to the base topic; `finish()` stops them in reverse order.
final class BridgeHarness: Sendable {
    let broker: MosquittoBroker
    let log: MessageLog
    let base: String
    let clientID: String
    private let bridgeTask = Mutex<Task<Void, any Error>?>(nil)
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])

    /// Runs `body` with a fresh harness and always finishes it (and what was registered with `onFinish`).
    static func run(
        base: String = "pro380",
        extraFilters: [String] = [],
        _ body: (BridgeHarness) async throws -> Void
    ) async throws {
        let harness = try await BridgeHarness(base: base, extraFilters: extraFilters)
        do {
            try await body(harness)
        } catch {
            await harness.finish()
            throw error
        }
        await harness.finish()
    }

    /// Registers something to stop after the bridge (a simulator, a tap, a peer).
    func onFinish(_ cleanup: @escaping @Sendable () async -> Void) { cleanups.withLock { $0.append(cleanup) } }

    /// Starts a simulator and stops it when the harness finishes.
    func simulator(
        _ configuration: SimulatorConfiguration,
        clock: SimulatedClock = SimulatedClock()
    ) throws -> RunningSimulator {
        let simulator = try RunningSimulator(configuration, clock: clock)
        onFinish { await simulator.stop() }
        return simulator
    }

    /// Starts a wire tap in front of `port` and stops it when the harness finishes.
    func tap(_ port: Int) throws -> ModbusWireTap {
        let tap = try ModbusWireTap(targetPort: port)
        let task = Task { await tap.run() }
        onFinish {
            task.cancel()
            await task.value
        }
        return tap
    }

    /// Starts a broker and the recording client (subscribed to `<base>/#` and `extraFilters`).
    init(base: String = "pro380", clientID: String = "bridge-test", extraFilters: [String] = []) async throws {
        broker = try await MosquittoBroker()
        self.base = base
        self.clientID = clientID
        log = try await MessageLog(port: broker.port, filters: ["\(base)/#"] + extraFilters)
    }

    /// The broker section of a bridge config for this harness.
    var mqtt: MQTTSettings {
        var settings = MQTTSettings()
        settings.port = broker.port
        settings.clientID = clientID
        settings.baseTopic = base
        return settings
    }

    /// A bridge config on this harness's broker.
    func configuration(buses: [BusConfiguration], diagnosticsInterval: Duration = .seconds(60)) -> BridgeConfiguration {
        BridgeConfiguration(mqtt: mqtt, buses: buses, diagnosticsInterval: diagnosticsInterval, source: "test")
    }

    /// Runs `BridgeService` with `configuration` in a task until `stopBridge()` or `finish()`; logs to stderr at
    /// `logLevel`, or to `logger`; `environment` as the daemon's (`NOTIFY_SOCKET`).
    @discardableResult
    func startBridge(
        _ configuration: BridgeConfiguration,
        logLevel: Logger.Level = .warning,
        logger: Logger? = nil,
        environment: [String: String] = [:]
    ) -> BridgeService {
        var stderr = Logger(label: "bridge")
        stderr.logLevel = logLevel
        let service = BridgeService(configuration: configuration, logger: logger ?? stderr, environment: environment)
        bridgeTask.withLock { $0 = Task { try await service.run() } }
        return service
    }

    /// Cancels the bridge and waits until it has published `offline` and disconnected.
    func stopBridge() async {
        guard
            let task = bridgeTask.withLock({ task -> Task<Void, any Error>? in
                defer { task = nil }
                return task
            })
        else { return }
        task.cancel()
        _ = await task.result
    }

    /// Stops the bridge, the recording client and the broker.
    func finish() async {
        await stopBridge()
        for cleanup in cleanups.withLock({ $0 }).reversed() { await cleanup() }
        await log.shutdown()
        await broker.stopAndRemove()
    }

    /// `<base>/<meter>/<key>`.
    func topic(_ meter: String, _ key: String) -> String { "\(base)/\(meter)/\(key)" }
}

/// A bus config with short intervals for tests: every group (identity included) polled every `interval`.
func testBus(
    _ name: String,
    link: BusLink,
    meters: [(name: String, address: Int)],
    interval: Duration = .milliseconds(300),
    timeout: Duration = .milliseconds(400),
    maxRegisters: Int = 125,
    allowCommands: [String] = ["tariff"]
) -> BusConfiguration {
    BusConfiguration(
        name: name,
        link: link,
        timeout: timeout,
        meters: meters.map { meter in
            MeterConfiguration(
                name: meter.name,
                address: meter.address,
                intervals: [.identity: interval, .instantaneous: interval, .energy: interval],
                maxRegisters: maxRegisters,
                allowCommands: allowCommands
            )
        }
    )
}

/// A simulator serving in a task until `stop()`; the clock is fixed at `time` unless moved.
final class RunningSimulator: Sendable {
    let service: SimulatorService
    let clock: SimulatedClock
    private let task: Task<Void, any Error>

    init(_ configuration: SimulatorConfiguration, clock: SimulatedClock = SimulatedClock()) throws {
        var logger = Logger(label: "simulator")
        logger.logLevel = .warning
        service = try SimulatorService(configuration: configuration, logger: logger, clock: { clock.now })
        self.clock = clock
        let service = service
        task = Task { try await service.run() }
    }

    /// The bridge's view of where to connect.
    var tcpLink: BusLink { .modbusTCP(host: "127.0.0.1", port: service.port!) }

    /// The model of the meter answering `unit`.
    func meter(_ unit: Int = 1) throws -> PRO380Model { try #require(service.bus.meter(unit: UInt8(unit))) }

    /// Stops serving and waits until the endpoint is closed.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A clock the simulated meters read: frozen at a fixed time unless a test moves it.
final class SimulatedClock: Sendable {
    private let time: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { time = Mutex(start) }

    var now: Date { time.withLock { $0 } }

    func advance(by seconds: TimeInterval) { time.withLock { $0 += seconds } }
}

/// A published reading taken apart: `{"value": …, "unit": …, "time": …}`.
struct PublishedReading: Equatable {
    /// The value exactly as written in the JSON (`231.25`, `"13070042"`).
    var valueText: String
    var unit: String?
    var time: Date

    init?(_ payload: String) {
        guard let valueStart = payload.range(of: "{\"value\": "), let unitStart = payload.range(of: ", \"unit\": "),
            let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            let timeText = object["time"] as? String, let time = Timestamp.parse(timeText)
        else { return nil }
        valueText = String(payload[valueStart.upperBound..<unitStart.lowerBound])
        unit = object["unit"] as? String
        self.time = time
    }
}

/// The keys a PRO380-Mod publishes: every Modbus row of the table except the PRO1-only ones.
let pro380ModbusKeys: [String] = RegisterTable.pro380.modbusReadable.filter { !$0.modbus!.pro1Only }.map(\.key)

/// Waits until `condition` holds, checking every 50 ms; records an issue and returns false after `timeout`.
@discardableResult
func eventually(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(20),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    if try await condition() { return true }
    Issue.record("timed out waiting for \(what())", sourceLocation: sourceLocation)
    return false
}
