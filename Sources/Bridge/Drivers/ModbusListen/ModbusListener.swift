import Foundation
import Logging
import Modbus
import PRO380
import SerialIO

/// The owner of a listen-only bus (`modbus_rtu_listen`): it hears a Modbus RTU line that another master polls and
/// never transmits on it.
///
/// The line is a `ReceiveOnlySerialPort` (opened `O_RDONLY`, no write method): transmitting is impossible by
/// construction, not by care. The received bytes and the silences between them (`InterFrameTiming.listenerSilence`)
/// go into an `RTUListenDecoder`; each paired exchange of a configured unit goes to that meter's `ListenedMeter`,
/// which its poller drains at the meter's intervals through `ListenMeterDriver`. Traffic for other units is
/// counted and passed by.
///
/// Listening starts with the first poll and runs in one task until `close()`, which cancels it and waits for it,
/// so the port is closed when `close()` returns. The task is stored because `BusSession` has no `run()`: the bus
/// sessions are opened by the service, not run by it. If the device cannot be opened or goes away, it is reopened
/// with a back-off of 1 s doubling to 30 s, logged once per outage; meanwhile the meters' polls report the problem.
actor ModbusListener {
    let endpoint: String
    private let settings: LineSettings
    private let silence: Duration
    private let logger: Logger
    private let decoding = ModbusMeterDriver.decoding
    private var decoder = RTUListenDecoder()
    private var meters: [UnitID: ListenedMeter]
    private var counters = ListenCounters()
    /// Why the line is not being heard now; `nil` while listening.
    private var lineProblem: String?
    private var task: Task<Void, Never>?
    private var closed = false

    init(device: String, settings: LineSettings, units: [UnitID], logger: Logger) {
        self.endpoint = device
        self.settings = settings
        self.silence = InterFrameTiming.listenerSilence(for: settings)
        self.logger = logger
        self.meters = Dictionary(uniqueKeysWithValues: units.map { ($0, ListenedMeter(unit: $0)) })
    }

    /// What was heard of `unit` since the last call (see `ListenedMeter.collect`). The first call starts listening
    /// and, having heard nothing yet, reports nothing (no answer, no failure to log).
    func collect(unit: UnitID) -> PollOutcome {
        guard !startIfNeeded() else { return PollOutcome(meterAnswered: false) }
        return meters[unit]?.collect(lineProblem: lineProblem) ?? PollOutcome(meterAnswered: false)
    }

    /// The newest readings ever heard of `keys` for `unit`, with the times they were heard.
    func lastKnown(unit: UnitID, keys: [String]) -> PollOutcome {
        startIfNeeded()
        let known = meters[unit]?.lastKnown ?? [:]
        let missing = keys.filter { known[$0] == nil && RegisterTable.pro380[$0]?.modbus != nil }
        return PollOutcome(
            readings: keys.compactMap { known[$0] },
            failures: missing.isEmpty
                ? []
                : [
                    ReadFailure(
                        keys: missing,
                        reason: "not heard yet on the listen-only bus: the master has not read it"
                    )
                ],
            meterAnswered: missing.count < keys.count
        )
    }

    /// The meter counters of `unit`, with `register_map` and `keys_seen`.
    func diagnostics(unit: UnitID) -> MeterDiagnostics {
        guard let meter = meters[unit] else { return MeterDiagnostics() }
        var diagnostics = meter.counters
        diagnostics.registerMap = meter.registerMap?.diagnosticsName
        diagnostics.keysSeen = meter.keysSeen
        return diagnostics
    }

    /// The bus counters, as a JSON object.
    func diagnosticsJSON() -> String {
        var counters = self.counters
        counters.decoder = decoder.counters
        counters.writesSeen = meters.values.reduce(0) { $0 + $1.writesSeen }
        return counters.json(listening: lineProblem == nil)
    }

    /// Stops listening and closes the port; returns once it is closed.
    func close() async {
        closed = true
        task?.cancel()
        await task?.value
        task = nil
    }

    /// Starts the listening task unless it runs (or the bus is closed); `true` when it started now.
    @discardableResult
    private func startIfNeeded() -> Bool {
        guard task == nil, !closed else { return false }
        task = Task { await self.listen() }
        return true
    }

    private func listen() async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            let port: ReceiveOnlySerialPort
            do {
                port = try ReceiveOnlySerialPort(device: endpoint, settings: settings, logger: logger)
            } catch {
                report(problem: "cannot open \(endpoint) to listen: \(error)")
                do { try await Task.sleep(for: delay) } catch { return }
                delay = min(delay * 2, .seconds(30))
                continue
            }
            if lineProblem != nil { logger.notice("listening on \(endpoint) again") }
            lineProblem = nil
            delay = .seconds(1)
            do {
                // Once a silence is reported, the next bytes may take as long as they like: waiting for them in
                // one-second steps keeps an idle line from waking the listener every few milliseconds.
                var idle = false
                while true {
                    let activity = try await port.listen(silence: idle ? .seconds(1) : silence)
                    if activity == .silence && idle { continue }
                    idle = activity == .silence
                    hear(activity, at: Date())
                }
            } catch {
                if !Task.isCancelled { report(problem: "lost \(endpoint): \(error)") }
            }
            await port.close()
        }
    }

    private func report(problem: String) {
        if lineProblem == nil { logger.error("\(problem); retrying") }
        lineProblem = problem
        counters.lineFailures += 1
    }

    private func hear(_ activity: LineActivity, at time: Date) {
        switch activity {
        case .bytes(let bytes):
            counters.bytes += bytes.count
            decoder.append(bytes)
        case .silence:
            decoder.silence()
        }
        while let observation = decoder.decode() {
            guard var meter = meters[observation.unit] else {
                counters.otherUnits += 1
                continue
            }
            for event in meter.observe(observation, at: time, decoding: decoding) {
                switch event {
                case .refusedValue(let reason): logger.warning("refused value: \(reason)")
                case .legacyRegisterMap: logger.error("\(RegisterMap.legacyDiagnosis(unit: Int(observation.unit)))")
                }
            }
            meters[observation.unit] = meter
        }
    }
}
