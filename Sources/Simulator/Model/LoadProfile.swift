import CodecSupport
import Foundation

/// What flows through a simulated meter over time: a pure function from elapsed seconds to three phase loads.
///
/// Because the load depends only on the seed and the elapsed time, two models with the same seed, start time and
/// sequence of calls give identical values: tests advance an injected clock and know what to expect.
package enum LoadProfile: Sendable, Equatable, Codable {
    /// A household with a photovoltaic inverter: voltages 230 V ± a few volts, currents that rise and fall over
    /// minutes, inductive power factors of 0.85 to 0.99, and one phase (chosen by the seed) that feeds power back
    /// for a few minutes in every quarter of an hour, so reverse counters move.
    case household(seed: UInt64)
    /// Fixed loads (one per phase) and frequency, for tests that need exact energies.
    case constant(phases: [PhaseLoad], frequency: Double)

    /// The three phase loads `elapsed` seconds after the model's start.
    package func phases(at elapsed: Double) -> [PhaseLoad] {
        switch self {
        case .constant(let phases, _): return phases
        case .household(let seed): return HouseholdParameters(seed: seed).phases(at: elapsed)
        }
    }

    /// The grid frequency in Hz `elapsed` seconds after the model's start.
    package func frequency(at elapsed: Double) -> Double {
        switch self {
        case .constant(_, let frequency): return frequency
        case .household(let seed): return HouseholdParameters(seed: seed).frequency(at: elapsed)
        }
    }
}

/// The seeded constants of the household profile.
private struct HouseholdParameters {
    var voltagePhase: [Double] = []
    var currentBase: [Double] = []
    var currentSwing: [Double] = []
    var currentPeriod: [Double] = []
    var currentPhase: [Double] = []
    var angleBase: [Double] = []
    var generatorPhase = 0
    var generatorOffset = 0.0
    var frequencyPhase = 0.0

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<3 {
            voltagePhase.append(random.next(in: 0..<(2 * .pi)))
            currentBase.append(random.next(in: 0.5..<4))
            currentSwing.append(random.next(in: 1..<12))
            currentPeriod.append(random.next(in: 120..<900))
            currentPhase.append(random.next(in: 0..<(2 * .pi)))
            angleBase.append(random.next(in: 8..<32))
        }
        generatorPhase = Int(random.next(in: 0..<3))
        generatorOffset = random.next(in: 0..<900)
        frequencyPhase = random.next(in: 0..<(2 * .pi))
    }

    func phases(at t: Double) -> [PhaseLoad] {
        (0..<3).map { i in
            let voltage =
                230 + 3 * sin(2 * .pi * t / 600 + voltagePhase[i]) + 0.4 * sin(2 * .pi * t / 37 + voltagePhase[i])
            let current =
                currentBase[i] + currentSwing[i] * (0.5 + 0.5 * sin(2 * .pi * t / currentPeriod[i] + currentPhase[i]))
            var angle = angleBase[i] + 5 * sin(2 * .pi * t / 300 + currentPhase[i])
            // The generator feeds back during the first third of every 15 minutes: the angle turns by 180°, and
            // the inverter's slight capacitive behaviour puts the phase in quadrant 3.
            if i == generatorPhase, (t + generatorOffset).truncatingRemainder(dividingBy: 900) < 300 {
                angle += 180
            }
            return PhaseLoad(voltage: voltage, current: current, angle: angle)
        }
    }

    func frequency(at t: Double) -> Double { 50 + 0.04 * sin(2 * .pi * t / 420 + frequencyPhase) }
}
