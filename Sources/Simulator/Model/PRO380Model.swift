package import Foundation
package import PRO380
import Synchronization

/// One simulated PRO380: settings, energy counters and a load that moves over time, shared by every protocol
/// server that serves this meter.
///
/// Contract: the model is a pure function of its start time, load profile, settings, counters and the sequence of
/// calls: nothing reads the system clock. Every call takes `now`; the energy counters integrate the load from the
/// previous call's time up to `now` (in steps of at most 10 s, midpoint rule); a `now` earlier than a previous
/// call integrates nothing. Values are answered in the published units of `RegisterTable.pro380` (W, var, VA,
/// kWh), rounded exactly as the meter's IEEE-754 single registers would carry them, so every protocol reports the
/// same numbers.
///
/// Thread safety: all state sits behind one `Mutex`; any thread or task may call any method. Methods are
/// synchronous and short; only `write` and `saveState` touch the file system (a small JSON file).
package final class PRO380Model: Sendable {
    /// The register table this meter answers from.
    package let table: RegisterTable
    /// What flows through the meter over time.
    package let profile: LoadProfile
    /// Where settings and counters are kept across restarts; `nil` keeps them in memory only.
    package let stateFileURL: URL?
    /// Time zero of the load profile.
    package let start: Date

    private struct State {
        var settings: SimulatedMeterSettings
        var counters: EnergyCounters
        var integratedUntil: Date
    }

    private let state: Mutex<State>

    /// Creates a meter, or restarts one from its state file.
    ///
    /// When `stateFileURL` names an existing file, its settings and counters replace `settings` and `counters`,
    /// and the start counts as a power cycle: the power-down counter rises by one and an unsaved tariff (Modbus
    /// 11/12) is gone, so the saved tariff is in force again.
    /// - Parameters:
    ///   - settings: the settings of a new meter.
    ///   - counters: the energy registers of a new meter (tests preset them, for example to the manual's M-Bus
    ///     example).
    ///   - profile: the load.
    ///   - start: the time the meter powers up; time zero of `profile`.
    ///   - stateFileURL: a JSON file to load from and save to.
    /// - Throws: `SimulatorError.stateFile` when the file exists but cannot be read or decoded.
    package init(
        settings: SimulatedMeterSettings = SimulatedMeterSettings(),
        counters: EnergyCounters = EnergyCounters(),
        profile: LoadProfile = .household(seed: 1),
        start: Date,
        stateFileURL: URL? = nil,
        table: RegisterTable = .pro380
    ) throws(SimulatorError) {
        var initial = State(settings: settings, counters: counters, integratedUntil: start)
        if let url = stateFileURL, FileManager.default.fileExists(atPath: url.path) {
            let stored = try MeterStateFile.load(from: url)
            initial.settings = stored.settings.afterRestart
            initial.settings.powerDownCounter += 1
            initial.counters = stored.counters
        }
        self.table = table
        self.profile = profile
        self.stateFileURL = stateFileURL
        self.start = start
        self.state = Mutex(initial)
    }

    /// The settings now (including an unsaved tariff).
    package var settings: SimulatedMeterSettings { state.withLock { $0.settings } }

    /// The energy counters integrated up to `now`.
    package func counters(at now: Date) -> EnergyCounters {
        state.withLock { state in
            advance(&state, to: now)
            return state.counters
        }
    }

    /// The three phase loads and the frequency at `now`.
    package func load(at now: Date) -> (phases: [PhaseLoad], frequency: Double) {
        let elapsed = now.timeIntervalSince(start)
        return (profile.phases(at: elapsed), profile.frequency(at: elapsed))
    }

    /// Every key this meter has, in its published unit, at `now`: the keys of the register table, less the
    /// "PRO1 only" rows the settings do not list.
    package func values(at now: Date) -> [String: MeterValue] {
        let (settings, counters) = state.withLock { state in
            advance(&state, to: now)
            return (state.settings, state.counters)
        }
        let load = load(at: now)
        return MeterValueBuilder(table: table, settings: settings, counters: counters, phases: load.phases)
            .values(frequency: load.frequency)
    }

    /// The value of one key at `now`.
    /// - Throws: `SimulatorError.unknownKey` when this meter does not have `key`.
    package func value(_ key: String, at now: Date) throws(SimulatorError) -> MeterValue {
        guard let value = values(at: now)[key] else { throw SimulatorError.unknownKey(key) }
        return value
    }

    /// Simulates a power failure and return at `now`: counters integrate up to `now`, the power-down counter rises
    /// by one, an unsaved tariff is lost.
    package func powerCycle(at now: Date) {
        state.withLock { state in
            advance(&state, to: now)
            state.settings = state.settings.afterRestart
            state.settings.powerDownCounter += 1
        }
    }

    /// Writes settings and counters (integrated up to `now`) to the state file; does nothing without one.
    /// An unsaved tariff is not written. The service calls this periodically and when it stops.
    /// - Throws: `SimulatorError.stateFile` when the file cannot be written.
    package func saveState(at now: Date) throws(SimulatorError) {
        guard let url = stateFileURL else { return }
        let snapshot = state.withLock { state in
            advance(&state, to: now)
            return MeterStateFile(settings: state.settings.afterRestart, counters: state.counters, savedAt: now)
        }
        try snapshot.save(to: url)
    }

    /// Runs `body` on the state after integrating to `now`; used by `write`.
    func mutate<R>(
        at now: Date,
        _ body: (inout SimulatedMeterSettings, inout EnergyCounters) throws(SimulatorError) -> R
    )
        throws(SimulatorError) -> R
    {
        let result: Result<R, SimulatorError> = state.withLock { state in
            advance(&state, to: now)
            do throws(SimulatorError) {
                return .success(try body(&state.settings, &state.counters))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func advance(_ state: inout State, to now: Date) {
        let seconds = now.timeIntervalSince(state.integratedUntil)
        guard seconds > 0 else { return }
        let code = CombinationCode(rawValue: state.settings.combinationCode) ?? .forwardPlusReverse
        let steps = min(max(1, Int((seconds / 10).rounded(.up))), 100_000)
        let step = seconds / Double(steps)
        let from = state.integratedUntil.timeIntervalSince(start)
        for n in 0..<steps {
            let midpoint = from + (Double(n) + 0.5) * step
            state.counters.integrate(
                profile.phases(at: midpoint),
                seconds: step,
                tariff: state.settings.activeTariff,
                code: code
            )
        }
        state.integratedUntil = now
    }
}
