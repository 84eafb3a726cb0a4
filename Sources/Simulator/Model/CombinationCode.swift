/// How the meter computes "total" energy from forward and reverse energy (manual 7.11).
///
/// The manual's worked example, flows L1 +5, L2 +5, L3 -12 kWh (forward 10, reverse 12):
///
/// | code | rule | total | forward | reverse |
/// |---|---|---|---|---|
/// | 1 | forward only | 10 | 10 | 12 |
/// | 4 | reverse only | -12 | 10 | 12 |
/// | 5 | forward + reverse | 22 | 10 | 12 |
/// | 6 | reverse - forward, reverse counted negative | -22 | 10 | 12 |
/// | 9, 11 | forward - reverse | -2 | 10 | 12 |
/// | 10 | forward - reverse of the phases' net | -2 | 0 | 2 |
///
/// The manual's LCD shows reverse energy with a minus sign; the registers hold it as a positive counter (the
/// vocabulary's forward/reverse counters never fall), so "reverse -12" is the register value 12.
package enum CombinationCode: Int, Sendable, Equatable, CaseIterable, Codable {
    case forwardOnly = 1
    case reverseOnly = 4
    case forwardPlusReverse = 5
    case negativeSum = 6
    case forwardMinusReverse = 9
    case netted = 10
    case forwardMinusReverseS0Net = 11

    /// Whether forward and reverse totals come from the net of the three phases (code 10: the phases' powers are
    /// added before the sign decides the direction) instead of from the sum of the per-phase counters.
    package var netsPhases: Bool { self == .netted }

    /// The total energy from the forward and reverse counters (both non-negative) the code selects.
    package func total(forward: Double, reverse: Double) -> Double {
        switch self {
        case .forwardOnly: return forward
        case .reverseOnly: return -reverse
        case .forwardPlusReverse: return forward + reverse
        case .negativeSum: return -(forward + reverse)
        case .forwardMinusReverse, .netted, .forwardMinusReverseS0Net: return forward - reverse
        }
    }
}
