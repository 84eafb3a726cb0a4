import Foundation
import Logging
import Modbus
import PRO380
import PRO380Protocols
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
/// `run()` listens until its task is cancelled or the bus is closed; the bus's `BusRunner` runs it beside the
/// meters' pollers, so it starts and stops with the bus, in the buses' turn of the bridge's `ServiceGroup`. If the device cannot
/// be opened or goes away, it is reopened after the `BackOff` every bus uses (at once, then 1 s, 2 s ... 30 s),
/// logged once per outage; meanwhile the meters' polls report the problem.
actor ModbusListener: BusOwner {
    let endpoint: String
    private let settings: LineSettings
    private let silence: Duration
    private let logger: Logger
    private let decoding = ModbusBlockDecoding.pro380
    private var decoder = RTUListenDecoder()
    private var meters: [UnitID: ListenedMeter]
    private var listen = ListenCounters()
    /// Every request heard, all units together.
    private var total = TransactionCounters()
    private var opens = 0
    private var openFailures = 0
    private var drops = 0
    /// Why the line is not being heard now; `nil` while listening (or before the first open).
    private var lineProblem: String?
    /// The units whose poller collected at least once.
    private var collected: Set<UnitID> = []
    private var port: ReceiveOnlySerialPort?
    private var closed = false

    init(device: String, settings: LineSettings, units: [UnitID], logger: Logger) {
        self.endpoint = device
        self.settings = settings
        self.silence = InterFrameTiming.listenerSilence(for: settings)
        self.logger = logger
        self.meters = Dictionary(uniqueKeysWithValues: units.map { ($0, ListenedMeter(unit: $0)) })
    }

    /// What was heard of `unit` since the last call (see `ListenedMeter.collect`). The first call, made as
    /// listening starts, reports nothing (no answer, no failure to log) when nothing of the unit was heard yet:
    /// there was no time to hear it.
    func collect(unit: UnitID) -> PollOutcome {
        let first = collected.insert(unit).inserted
        // A meter a reload added to the bus: heard from now on.
        if meters[unit] == nil { meters[unit] = ListenedMeter(unit: unit) }
        guard var meter = meters[unit], !first || meter.answered || lineProblem != nil else {
            return PollOutcome(meterAnswered: false)
        }
        let outcome = meter.collect(lineProblem: lineProblem)
        meters[unit] = meter
        return outcome
    }

    /// The newest readings ever heard of `keys` for `unit`, with the times they were heard.
    func lastKnown(unit: UnitID, keys: [String]) -> PollOutcome {
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
    func diagnostics(unit: UnitID) -> MeterDiagnostics { meters[unit]?.diagnostics ?? MeterDiagnostics() }

    /// The bus's counters: the keys every bus has, and the `listen` member.
    func diagnostics(protocolName: String, meters count: Int) -> BusDiagnostics {
        var counters = total
        counters.recoveries = WireRecoveries(
            checksumErrors: decoder.counters.crcErrors,
            strayBytes: decoder.counters.skippedBytes
        )
        var listen = self.listen
        listen.listening = port != nil
        listen.decoder = decoder.counters
        listen.writesSeen = meters.values.reduce(0) { $0 + $1.writesSeen }
        listen.registersCovered = Set(meters.values.flatMap(\.keysSeen)).count
        return BusDiagnostics(
            meterProtocol: protocolName,
            endpoint: endpoint,
            baudRate: settings.baudRate,
            meters: count,
            queueLength: 0,
            transportOpens: opens,
            openFailures: openFailures,
            transportDrops: drops,
            counters: counters,
            listen: listen
        )
    }

    /// Stops listening and closes the port; returns once it is closed. `run()` then ends.
    func close() async {
        closed = true
        if let port {
            self.port = nil
            await port.close()
        }
    }

    /// Listens until the calling task is cancelled or the bus is closed; closes the port before returning.
    func run() async {
        var backOff = BackOff()
        while !Task.isCancelled, !closed {
            let opened: ReceiveOnlySerialPort
            do {
                opened = try ReceiveOnlySerialPort(device: endpoint, settings: settings, logger: logger)
            } catch {
                openFailures += 1
                report(problem: "cannot open \(endpoint) to listen: \(error)")
                do { try await Task.sleep(for: backOff.failed(at: .now)) } catch { return }
                continue
            }
            backOff.succeeded()
            opens += 1
            port = opened
            if lineProblem != nil { logger.notice("listening on \(endpoint) again") }
            lineProblem = nil
            await receive(from: opened)
            port = nil
            await opened.close()
        }
    }

    /// Hears `port` until it fails, is closed, or the task is cancelled.
    private func receive(from port: ReceiveOnlySerialPort) async {
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
            guard !Task.isCancelled, !closed else { return }
            drops += 1
            report(problem: "lost \(endpoint): \(error)")
        }
    }

    private func report(problem: String) {
        if lineProblem == nil { logger.error("\(problem); retrying") }
        lineProblem = problem
    }

    private func hear(_ activity: LineActivity, at time: Date) {
        switch activity {
        case .bytes(let bytes):
            listen.bytes += bytes.count
            decoder.append(bytes)
        case .silence:
            decoder.silence()
        }
        while let observation = decoder.decode() {
            total.count(observation)
            guard var meter = meters[observation.unit] else {
                listen.otherUnits += 1
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
