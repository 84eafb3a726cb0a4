/// The PRO380's electrical ratings, and what follows from them: the most energy the meter can count in a given time.
///
/// Source: manual section 5 "Specifications" and the declaration of conformity: measurement range 230/400 V,
/// 5(100) A (direct) or 1,5(6) A (CT version); operational voltage 3 × 230/400 V ± 20 %.
package enum MeterRatings {
    /// The highest phase voltage the meter operates at: Un 230 V + 20 %, in V.
    package static let maximumPhaseVoltage = 276.0
    /// Imax of the direct-connected meter, in A.
    package static let maximumCurrent = 100.0
    /// Imax of the CT version on the transformer's secondary side, in A.
    package static let maximumSecondaryCurrent = 6.0

    /// The largest active power the meter can carry, in W: three phases at `maximumPhaseVoltage` and Imax
    /// (power factor 1). For a CT meter whose registers count primary energy, pass its CT ratio: Imax is then
    /// 6 A × the ratio (or the direct meter's 100 A, whichever is larger).
    package static func maximumPower(ctRatio: Double? = nil) -> Double {
        let current = max(maximumCurrent, (ctRatio ?? 0) * maximumSecondaryCurrent)
        return 3 * maximumPhaseVoltage * current
    }

    /// The most energy the meter can count in `seconds`, in kWh (82.8 kW direct: 0.023 kWh a second).
    package static func maximumEnergy(inSeconds seconds: Double, ctRatio: Double? = nil) -> Double {
        maximumPower(ctRatio: ctRatio) * max(seconds, 0) / 3_600_000
    }
}
