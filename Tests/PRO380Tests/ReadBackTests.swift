import Foundation
import Testing

@testable import PRO380

/// When a read-back confirms a write: settings exactly, a reset counter within what the meter can count meanwhile.
@Suite struct ReadBackTests {
    let day = RegisterTable.pro380["resettable_day_energy"]!
    let powerDown = RegisterTable.pro380["power_down_counter"]!
    let s0 = RegisterTable.pro380["s0_output_rate"]!

    @Test func maximumPowerFollowsTheManualsRatings() {
        // 3 phases x 276 V (230 V + 20 %) x 100 A.
        #expect(MeterRatings.maximumPower() == 82_800)
        // A CT meter with ratio 100: 6 A x 100 = 600 A on the primary side.
        #expect(MeterRatings.maximumPower(ctRatio: 100) == 496_800)
        #expect(abs(MeterRatings.maximumEnergy(inSeconds: 3600) - 82.8) < 1e-9)
    }

    @Test func aResetCounterMayHaveCountedSinceTheWrite() {
        #expect(day.isEnergyReset && !powerDown.isEnergyReset && !s0.isEnergyReset)
        // Issue 11: "written 0 but the meter reads back 0.00000166548", a few ms after the write.
        let tiny = MeterValue.decimal(Decimal(string: "0.00000166548")!)
        #expect(day.readBackConfirms(tiny, written: .integer(0), elapsed: .milliseconds(5)))
        // 82.8 kW for 10 ms is 0.00023 kWh: a net counter may also have run backwards that far.
        #expect(
            day.readBackConfirms(.decimal(Decimal(string: "0.0002")!), written: .integer(0), elapsed: .milliseconds(10))
        )
        #expect(
            day.readBackConfirms(
                .decimal(Decimal(string: "-0.0002")!),
                written: .integer(0),
                elapsed: .milliseconds(10)
            )
        )
        // A counter that was not reset reads far more than the meter can count in that time.
        #expect(
            !day.readBackConfirms(
                .decimal(Decimal(string: "0.0003")!),
                written: .integer(0),
                elapsed: .milliseconds(10)
            )
        )
        #expect(
            !day.readBackConfirms(.decimal(Decimal(string: "12.5")!), written: .integer(0), elapsed: .milliseconds(200))
        )
        // A CT meter counts primary energy: its CT ratio widens the bound.
        #expect(
            day.readBackConfirms(
                .decimal(Decimal(string: "0.0003")!),
                written: .integer(0),
                elapsed: .milliseconds(10),
                ctRatio: 100
            )
        )
    }

    @Test func settingsReadBackAsWritten() {
        #expect(
            s0.readBackConfirms(
                .decimal(Decimal(string: "0.01")!),
                written: .decimal(Decimal(string: "0.01")!),
                elapsed: .seconds(1)
            )
        )
        // Single-precision rounding of 0.1 is not a mismatch; another value is.
        #expect(
            s0.readBackConfirms(
                .decimal(Decimal(string: "0.100000001")!),
                written: .decimal(Decimal(string: "0.1")!),
                elapsed: .zero
            )
        )
        #expect(!s0.readBackConfirms(.integer(10), written: .integer(100), elapsed: .seconds(1)))
        // A power-down counter does not count by itself: a reset reads back exactly 0.
        #expect(!powerDown.readBackConfirms(.integer(1), written: .integer(0), elapsed: .seconds(1)))
    }
}
