/// The energy registers a PRO380 keeps: what survives a restart besides the settings.
///
/// Counters integrate power per phase, per direction (forward = drawn from the grid, reverse = fed back) and per
/// tariff (only the tariff in force integrates). Code 10 of the combination code nets the three phases before
/// splitting forward from reverse, which cannot be recovered from per-phase counters afterwards, so the netted
/// counters integrate alongside. The totals published (`active_energy_total` ...) are derived on reading by
/// `CombinationCode.total(forward:reverse:)`. Units: kWh and kvarh.
package struct EnergyCounters: Codable, Sendable, Equatable {
    /// One direction's energy, indexed `[phase 0...2][tariff 0...1]`.
    package typealias PhaseTariff = [[Double]]

    package var forwardActive: PhaseTariff
    package var reverseActive: PhaseTariff
    package var forwardReactive: PhaseTariff
    package var reverseReactive: PhaseTariff
    /// Forward and reverse of the three phases' net power, indexed by tariff (combination code 10).
    package var nettedForwardActive: [Double]
    package var nettedReverseActive: [Double]
    package var nettedForwardReactive: [Double]
    package var nettedReverseReactive: [Double]
    /// Forward energy since the last reset (manual 7.9), in kWh.
    package var dayEnergy: Double

    /// All counters at zero.
    package init() {
        let zero = Array(repeating: Array(repeating: 0.0, count: 2), count: 3)
        forwardActive = zero
        reverseActive = zero
        forwardReactive = zero
        reverseReactive = zero
        nettedForwardActive = [0, 0]
        nettedReverseActive = [0, 0]
        nettedForwardReactive = [0, 0]
        nettedReverseReactive = [0, 0]
        dayEnergy = 0
    }

    /// Adds `seconds` of `phases` under `tariff` (1 or 2); the day counter follows forward active energy as the
    /// combination code `code` defines it.
    package mutating func integrate(_ phases: [PhaseLoad], seconds: Double, tariff: Int, code: CombinationCode) {
        let t = tariff - 1
        let hours = seconds / 3600
        var netActive = 0.0
        var netReactive = 0.0
        var phaseForward = 0.0
        for (i, phase) in phases.prefix(3).enumerated() {
            let p = phase.activePower / 1000 * hours
            let q = phase.reactivePower / 1000 * hours
            netActive += p
            netReactive += q
            if p >= 0 {
                forwardActive[i][t] += p
                phaseForward += p
            } else {
                reverseActive[i][t] -= p
            }
            if q >= 0 { forwardReactive[i][t] += q } else { reverseReactive[i][t] -= q }
        }
        if netActive >= 0 { nettedForwardActive[t] += netActive } else { nettedReverseActive[t] -= netActive }
        if netReactive >= 0 { nettedForwardReactive[t] += netReactive } else { nettedReverseReactive[t] -= netReactive }
        dayEnergy += code.netsPhases ? max(netActive, 0) : phaseForward
    }

    /// The forward and reverse totals of the active (or reactive) energy for one tariff (1, 2) or both (`nil`),
    /// as the combination code counts them.
    package func totals(reactive: Bool, tariff: Int?, code: CombinationCode) -> (forward: Double, reverse: Double) {
        let tariffs = tariff.map { [$0 - 1] } ?? [0, 1]
        if code.netsPhases {
            let forward = reactive ? nettedForwardReactive : nettedForwardActive
            let reverse = reactive ? nettedReverseReactive : nettedReverseActive
            return (tariffs.reduce(0) { $0 + forward[$1] }, tariffs.reduce(0) { $0 + reverse[$1] })
        }
        let forward = reactive ? forwardReactive : forwardActive
        let reverse = reactive ? reverseReactive : reverseActive
        func sum(_ counters: PhaseTariff) -> Double {
            counters.reduce(0) { row, phase in tariffs.reduce(row) { $0 + phase[$1] } }
        }
        return (sum(forward), sum(reverse))
    }

    /// The forward and reverse energy of one phase (0...2) over both tariffs.
    package func phase(_ index: Int, reactive: Bool) -> (forward: Double, reverse: Double) {
        let forward = reactive ? forwardReactive[index] : forwardActive[index]
        let reverse = reactive ? reverseReactive[index] : reverseActive[index]
        return (forward.reduce(0, +), reverse.reduce(0, +))
    }
}
