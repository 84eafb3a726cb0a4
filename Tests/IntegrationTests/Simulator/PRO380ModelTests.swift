import Foundation
import PRO380
import Simulator
import Testing

@Suite struct PRO380ModelTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    let table = RegisterTable.pro380

    func number(_ values: [String: MeterValue], _ key: String) throws -> Double {
        try #require(values[key]?.doubleValue, "\(key) missing")
    }

    @Test func answersEveryKeyButThePRO1OnlyRows() throws {
        let model = try PRO380Model(start: Self.start)
        let keys = Set(model.values(at: Self.start).keys)
        #expect(keys == Set(table.definitions.map(\.key)).subtracting(["voltage", "current", "error_code"]))
        let pro1 = try PRO380Model(
            settings: SimulatedMeterSettings(pro1OnlyKeys: ["voltage", "current", "error_code"]),
            start: Self.start
        )
        #expect(Set(pro1.values(at: Self.start).keys) == Set(table.definitions.map(\.key)))
    }

    @Test(arguments: [0.0, 17, 300, 901, 3_600, 86_400])
    func instantaneousValuesAreConsistent(_ seconds: Double) throws {
        let model = try PRO380Model(profile: .household(seed: 42), start: Self.start)
        let v = model.values(at: Self.start.addingTimeInterval(seconds))
        var pTotal = 0.0
        for phase in ["l1", "l2", "l3"] {
            let u = try number(v, "voltage_\(phase)")
            let i = try number(v, "current_\(phase)")
            let p = try number(v, "active_power_\(phase)")
            let q = try number(v, "reactive_power_\(phase)")
            let s = try number(v, "apparent_power_\(phase)")
            let pf = try number(v, "power_factor_\(phase)")
            #expect((220...240).contains(u))
            #expect(abs(s - u * i) < 0.01 * s + 1)
            #expect(abs(p - s * pf) < 0.01 * s + 1)
            #expect(abs(p * p + q * q - s * s) < 0.01 * s * s + 1)
            #expect(v["current_direction_\(phase)"] == .text(p < 0 ? "-" : "+"))
            let quadrant = p >= 0 ? (q >= 0 ? 1 : 4) : (q >= 0 ? 2 : 3)
            #expect(v["quadrant_\(phase)"] == .integer(quadrant))
            pTotal += p
        }
        #expect(abs(try number(v, "active_power_total") - pTotal) < 1)
        #expect(abs(try number(v, "frequency") - 50) < 0.1)
    }

    @Test func householdFeedsBackAndCountersOnlyRise() throws {
        let model = try PRO380Model(profile: .household(seed: 7), start: Self.start)
        var previous = model.values(at: Self.start)
        var sawReverseFlow = false
        for minute in stride(from: 1, through: 120, by: 1) {
            let now = Self.start.addingTimeInterval(Double(minute) * 60)
            let values = model.values(at: now)
            for definition in table.definitions where definition.quantity.isMonotonic {
                let before = try number(previous, definition.key)
                #expect(try number(values, definition.key) >= before, "\(definition.key) fell")
            }
            if values.contains(where: { $0.key.hasPrefix("current_direction") && $0.value == .text("-") }) {
                sawReverseFlow = true
            }
            previous = values
        }
        #expect(sawReverseFlow)
        #expect(try number(previous, "reverse_active_energy_total") > 0)
        #expect(try number(previous, "forward_active_energy_total") > 0)
    }

    @Test func sameSeedSameClockSameValues() throws {
        let a = try PRO380Model(profile: .household(seed: 3), start: Self.start)
        let b = try PRO380Model(profile: .household(seed: 3), start: Self.start)
        let c = try PRO380Model(profile: .household(seed: 4), start: Self.start)
        for seconds in [10.0, 95, 600, 4000] {
            let now = Self.start.addingTimeInterval(seconds)
            let va = a.values(at: now)
            #expect(va == b.values(at: now))
            #expect(va != c.values(at: now))
        }
    }

    @Test func valuesAreWhatTheFloatRegistersCarry() throws {
        let model = try PRO380Model(profile: .household(seed: 9), start: Self.start)
        let values = model.values(at: Self.start.addingTimeInterval(1234.5))
        for definition in table.modbusReadable {
            guard let value = values[definition.key] else { continue }
            let registers = try #require(definition.encodeModbus(value), "\(definition.key) does not encode")
            #expect(try definition.decodeModbus(registers) == value, "\(definition.key)")
        }
    }
}
