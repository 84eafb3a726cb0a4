import Foundation

extension RegisterDefinition {
    /// Whether this key is an energy counter and a write of 0 resets it (`resettable_day_energy`).
    package var isEnergyReset: Bool {
        guard write?.allowed == .oneOf([0]) else { return false }
        switch quantity {
        case .activeEnergy, .activeEnergyCounter, .reactiveEnergy, .reactiveEnergyCounter: return true
        default: return false
        }
    }

    /// Whether the value read back after a write confirms it (manual A3.2: write, then read back).
    ///
    /// A setting must read back as written (numbers within single-precision rounding). An energy counter that was
    /// reset keeps counting under load from the moment the meter executes the reset until it answers the read-back:
    /// it confirms when it reads no further from 0 (either way: a net counter runs backwards under export) than
    /// the meter can count at its largest power in `elapsed`, the time from sending the write to receiving the
    /// read-back (`MeterRatings.maximumEnergy`). The bound is physical, not a guess: 82.8 kW direct, about
    /// 0.00023 kWh in 10 ms, far below a counter that was not reset.
    /// - Parameters:
    ///   - readBack: the value read back, in the published unit.
    ///   - written: the value written, in the published unit.
    ///   - elapsed: from sending the write to receiving the read-back.
    ///   - ctRatio: the meter's CT ratio when known (a CT meter counts primary energy).
    package func readBackConfirms(
        _ readBack: MeterValue,
        written: MeterValue,
        elapsed: Duration,
        ctRatio: Double? = nil
    ) -> Bool {
        if readBack == written { return true }
        guard let x = readBack.doubleValue, let y = written.doubleValue else { return false }
        // A single holds about 7 significant digits.
        let rounding = max(abs(y), 1) * 1e-6
        if isEnergyReset && y == 0 {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return abs(x) <= MeterRatings.maximumEnergy(inSeconds: seconds, ctRatio: ctRatio) + rounding
        }
        return abs(x - y) <= rounding
    }
}
