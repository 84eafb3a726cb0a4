import Foundation

/// The electrical state of one phase at one instant: voltage, current and the angle between them.
///
/// Everything the meter shows for a phase follows from these three numbers, so the values stay consistent:
/// P = U·I·cos φ, Q = U·I·sin φ, S = U·I, PF = cos φ (negative while power flows back to the grid).
/// An angle of 0° is a resistive load drawing power, 180° a generator feeding power back; between 0° and 90°
/// the load is inductive (quadrant 1), between 270° and 360° capacitive (quadrant 4).
package struct PhaseLoad: Sendable, Equatable, Codable {
    /// RMS voltage in V.
    package var voltage: Double
    /// RMS current in A (never negative: the direction is in the angle).
    package var current: Double
    /// The angle by which the current lags the voltage, in degrees.
    package var angle: Double

    package init(voltage: Double, current: Double, angle: Double) {
        self.voltage = voltage
        self.current = current
        self.angle = angle
    }

    /// A phase carrying `power` W (negative: feeding back) at unity power factor and `voltage` V.
    package init(activePower power: Double, voltage: Double = 230) {
        self.init(voltage: voltage, current: abs(power) / voltage, angle: power < 0 ? 180 : 0)
    }

    private var radians: Double { angle * .pi / 180 }

    /// Active power in W; negative while feeding back.
    package var activePower: Double {
        // Exact at the four cardinal angles, so a constant load integrates to exact energies.
        switch angle.truncatingRemainder(dividingBy: 360) {
        case 0: return voltage * current
        case 180, -180: return -voltage * current
        case 90, -270, 270, -90: return 0
        default: return voltage * current * cos(radians)
        }
    }

    /// Reactive power in var; positive for an inductive load.
    package var reactivePower: Double {
        switch angle.truncatingRemainder(dividingBy: 360) {
        case 0, 180, -180: return 0
        default: return voltage * current * sin(radians)
        }
    }

    /// Apparent power in VA.
    package var apparentPower: Double { voltage * current }

    /// The power factor P/S, -1 to 1; 1 when no current flows.
    package var powerFactor: Double { apparentPower == 0 ? 1 : activePower / apparentPower }

    /// The quadrant of the P-Q plane: 1 (+P +Q), 2 (-P +Q), 3 (-P -Q), 4 (+P -Q).
    package var quadrant: Int { Self.quadrant(active: activePower, reactive: reactivePower) }

    /// The quadrant of a power pair, as `quadrant`.
    package static func quadrant(active: Double, reactive: Double) -> Int {
        switch (active >= 0, reactive >= 0) {
        case (true, true): return 1
        case (false, true): return 2
        case (false, false): return 3
        case (true, false): return 4
        }
    }
}
