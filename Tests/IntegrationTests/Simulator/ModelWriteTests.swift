import Foundation
import PRO380
import Simulator
import Testing

/// Writes through the protocol-neutral API, and the state file.
@Suite struct ModelWriteTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    struct Case: Sendable, CustomStringConvertible {
        var key: String
        var value: MeterValue
        var accepted: Bool
        var description: String { "\(key)=\(value) \(accepted ? "ok" : "refused")" }
    }

    static let cases: [Case] = [
        Case(key: "modbus_id", value: .integer(10), accepted: true),
        Case(key: "modbus_id", value: .integer(247), accepted: true),
        Case(key: "modbus_id", value: .integer(0), accepted: false),
        Case(key: "modbus_id", value: .integer(248), accepted: false),
        Case(key: "baud_rate", value: .integer(9600), accepted: true),
        Case(key: "baud_rate", value: .integer(300), accepted: true),
        Case(key: "baud_rate", value: .integer(19200), accepted: false),
        Case(key: "s0_output_rate", value: .integer(10), accepted: true),
        Case(key: "s0_output_rate", value: .decimal(Decimal(string: "0.01")!), accepted: true),
        Case(key: "s0_output_rate", value: .integer(5), accepted: false),
        Case(key: "combination_code", value: .integer(10), accepted: true),
        Case(key: "combination_code", value: .integer(2), accepted: false),
        Case(key: "lcd_cycle_time", value: .integer(25), accepted: true),
        Case(key: "lcd_cycle_time", value: .integer(31), accepted: false),
        Case(key: "parity", value: .text("none"), accepted: true),
        Case(key: "parity", value: .text("mark"), accepted: false),
        Case(key: "power_down_counter", value: .integer(0), accepted: true),
        Case(key: "power_down_counter", value: .integer(1), accepted: false),
        Case(key: "tariff", value: .integer(2), accepted: true),
        Case(key: "tariff", value: .text("T1"), accepted: true),
        Case(key: "tariff", value: .integer(3), accepted: false),
        Case(key: "resettable_day_energy", value: .integer(0), accepted: true),
        Case(key: "resettable_day_energy", value: .integer(1), accepted: false),
        Case(key: "mbus_primary_address", value: .integer(250), accepted: true),
        Case(key: "mbus_primary_address", value: .integer(251), accepted: false),
        Case(key: "mbus_secondary_address", value: .text("15012345"), accepted: true),
        Case(key: "mbus_secondary_address", value: .text("1501234"), accepted: false),
        Case(key: "voltage_l1", value: .integer(230), accepted: false),
        Case(key: "no_such_key", value: .integer(1), accepted: false),
    ]

    @Test(arguments: cases)
    func acceptsExactlyTheManualsValues(_ c: Case) throws {
        let model = try PRO380Model(start: Self.start)
        if c.accepted {
            try model.write(key: c.key, value: c.value, at: Self.start)
            if c.key != "tariff", c.key != "power_down_counter", c.key != "resettable_day_energy" {
                #expect(model.values(at: Self.start)[c.key]?.doubleValue == c.value.doubleValue)
            }
        } else {
            #expect(throws: SimulatorError.self) { try model.write(key: c.key, value: c.value, at: Self.start) }
        }
    }

    func temporaryStateFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("pro380-sim-\(UUID().uuidString).json")
    }

    @Test func settingsAndCountersSurviveARestartButAnUnsavedTariffDoesNot() throws {
        let url = temporaryStateFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let load = LoadProfile.constant(phases: Array(repeating: PhaseLoad(activePower: 1000), count: 3), frequency: 50)
        let first = try PRO380Model(profile: load, start: Self.start, stateFileURL: url)
        try first.write(key: "modbus_id", value: .integer(17), at: Self.start)
        try first.write(key: "combination_code", value: .integer(9), at: Self.start)
        try first.write(key: "tariff", value: .integer(2), persist: false, at: Self.start)
        #expect(first.values(at: Self.start)["tariff"] == .integer(2))
        try first.saveState(at: Self.start.addingTimeInterval(3600))

        let restartedAt = Self.start.addingTimeInterval(7200)
        let second = try PRO380Model(profile: load, start: restartedAt, stateFileURL: url)
        let values = second.values(at: restartedAt)
        #expect(values["modbus_id"] == .integer(17))
        #expect(values["combination_code"] == .integer(9))
        #expect(values["tariff"] == .integer(1))
        #expect(values["power_down_counter"] == .integer(1))
        // The hour ran in the unsaved tariff 2; its energy stays.
        #expect(values["forward_active_energy_t2"] == .decimal(3))
        #expect(values["forward_active_energy_total"] == .decimal(3))
    }

    @Test func aSavedTariffSurvivesARestart() throws {
        let url = temporaryStateFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let first = try PRO380Model(start: Self.start, stateFileURL: url)
        try first.write(key: "tariff", value: .integer(2), at: Self.start)
        let second = try PRO380Model(start: Self.start, stateFileURL: url)
        #expect(second.settings.activeTariff == 2)
    }

    @Test func powerCycleDropsTheUnsavedTariff() throws {
        let model = try PRO380Model(start: Self.start)
        try model.write(key: "tariff", value: .integer(2), persist: false, at: Self.start)
        model.powerCycle(at: Self.start.addingTimeInterval(1))
        #expect(model.settings.activeTariff == 1)
        #expect(model.settings.powerDownCounter == 1)
    }

    @Test func aCorruptStateFileIsAnError() throws {
        let url = temporaryStateFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{".utf8).write(to: url)
        #expect(throws: SimulatorError.self) { try PRO380Model(start: Self.start, stateFileURL: url) }
    }
}
