import Foundation
import PRO380
import Simulator
import Testing

/// Manual 7.11: flows L1 +5, L2 +5, L3 -12 kWh, read under every combination code.
@Suite struct CombinationCodeTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    /// One hour of L1 +5 kW, L2 +5 kW, L3 -12 kW: exactly the manual's example energies.
    static let exampleLoad = LoadProfile.constant(
        phases: [
            PhaseLoad(activePower: 5000), PhaseLoad(activePower: 5000), PhaseLoad(activePower: -12000, voltage: 240),
        ],
        frequency: 50
    )

    struct Expected: Sendable, CustomStringConvertible {
        var code: Int
        var total: Decimal
        var forward: Decimal
        var reverse: Decimal
        var description: String { "C-\(code)" }
    }

    /// The manual's table; reverse energy shown on the LCD as -12 is the register value 12.
    static let table: [Expected] = [
        Expected(code: 1, total: 10, forward: 10, reverse: 12),
        Expected(code: 4, total: -12, forward: 10, reverse: 12),
        Expected(code: 5, total: 22, forward: 10, reverse: 12),
        Expected(code: 6, total: -22, forward: 10, reverse: 12),
        Expected(code: 9, total: -2, forward: 10, reverse: 12),
        Expected(code: 10, total: -2, forward: 0, reverse: 2),
        Expected(code: 11, total: -2, forward: 10, reverse: 12),
    ]

    @Test(arguments: table)
    func manualWorkedExample(_ expected: Expected) throws {
        let model = try PRO380Model(
            settings: SimulatedMeterSettings(combinationCode: expected.code),
            profile: Self.exampleLoad,
            start: Self.start
        )
        let values = model.values(at: Self.start.addingTimeInterval(3600))
        #expect(values["active_energy_total"] == .decimal(expected.total))
        #expect(values["forward_active_energy_total"] == .decimal(expected.forward))
        #expect(values["reverse_active_energy_total"] == .decimal(expected.reverse))
        // All of it ran in tariff 1.
        #expect(values["active_energy_t1"] == .decimal(expected.total))
        #expect(values["active_energy_t2"] == .decimal(0))
        // Per phase the flows stay as they were.
        #expect(values["forward_active_energy_l1"] == .decimal(5))
        #expect(values["reverse_active_energy_l3"] == .decimal(12))
        #expect(values["forward_active_energy_l3"] == .decimal(0))
    }

    @Test func changingTheCodeRereadsTheSameCounters() throws {
        let model = try PRO380Model(profile: Self.exampleLoad, start: Self.start)
        let later = Self.start.addingTimeInterval(3600)
        for expected in Self.table {
            try model.write(key: "combination_code", value: .integer(expected.code), at: later)
            #expect(model.values(at: later)["active_energy_total"] == .decimal(expected.total), "\(expected)")
        }
    }

    @Test func dayCounterFollowsForwardEnergyAndResets() throws {
        let model = try PRO380Model(profile: Self.exampleLoad, start: Self.start)
        #expect(model.values(at: Self.start.addingTimeInterval(3600))["resettable_day_energy"] == .decimal(10))
        try model.write(key: "resettable_day_energy", value: .integer(0), at: Self.start.addingTimeInterval(3600))
        #expect(model.values(at: Self.start.addingTimeInterval(5400))["resettable_day_energy"] == .decimal(5))
        #expect(throws: SimulatorError.self) {
            try model.write(key: "resettable_day_energy", value: .integer(3), at: Self.start.addingTimeInterval(5400))
        }
        // Totals are untouched by the reset.
        #expect(model.values(at: Self.start.addingTimeInterval(5400))["forward_active_energy_total"] == .decimal(15))
    }

    @Test func onlyTheTariffInForceIntegrates() throws {
        let model = try PRO380Model(profile: Self.exampleLoad, start: Self.start)
        try model.write(key: "tariff", value: .text("T2"), at: Self.start.addingTimeInterval(3600))
        let values = model.values(at: Self.start.addingTimeInterval(3 * 3600))
        #expect(values["tariff"] == .integer(2))
        #expect(values["forward_active_energy_t1"] == .decimal(10))
        #expect(values["forward_active_energy_t2"] == .decimal(20))
        #expect(values["reverse_active_energy_t2"] == .decimal(24))
        #expect(values["forward_active_energy_total"] == .decimal(30))
    }
}
