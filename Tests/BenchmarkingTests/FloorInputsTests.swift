import Benchmarking
import Foundation
import PRO380
import Simulator
import Testing

/// The inputs of the C floor and stand-in come from the register table and the simulator's model.
@Suite struct FloorInputsTests {
    @Test func planReadsTheFloatsOfBothAreasInOneBlockEach() {
        let plan = FloorInputs.plan()
        #expect(
            plan.blocks == [FloorInputs.Block(start: 0x5000, count: 50), FloorInputs.Block(start: 0x6000, count: 75)]
        )
        let floats = RegisterTable.pro380.definitions.filter {
            $0.modbus?.dataType == .floatABCD && ($0.group == .instantaneous || $0.group == .energy)
        }
        #expect(plan.values.count == floats.count)
        let power = plan.values.first { $0.key == "active_power_l1" }
        #expect(power?.power == 3)
        #expect(power?.unit == "W")
        let voltage = plan.values.first { $0.key == "voltage_l1" }
        #expect(voltage?.block == 0 && voltage?.offset == 2 && voltage?.power == 0)
        let day = plan.values.first { $0.key == "resettable_day_energy" }
        #expect(day?.block == 1 && day?.offset == 0x49)
        #expect(plan.text.hasPrefix("block 0x5000 50\nblock 0x6000 75\nvalue 0 0 voltage V 0\n"))
        #expect(plan.text.contains("value 0 4 voltage_l2 V 0\n"))
        #expect(plan.values.contains { $0.unit == nil } && plan.text.contains(" power_factor_total - 0\n"))
    }

    @Test func registerImageDecodesToTheModelsValues() throws {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var settings = SimulatedMeterSettings()
        settings.pro1OnlyKeys = ["voltage", "current"]
        let model = try PRO380Model(settings: settings, profile: .household(seed: 1), start: start, stateFileURL: nil)
        let time = start.addingTimeInterval(3600)
        let image = FloorInputs.registerImage(model: model, at: time)
        let lines = image.split(separator: "\n")
        #expect(lines.contains("4000 1307"))  // serial number 13070042, HEX digits
        #expect(lines.contains("4001 0042"))
        let rows = RegisterTable.pro380.definitions.filter {
            ($0.group == .instantaneous || $0.group == .energy) && $0.modbus != nil
        }
        // Every row answers except the PRO1-only 0x4015 and 0x4016 the settings do not list: zeros that still
        // decode as Signed.
        #expect(FloorInputs.valuesPerPoll(image: image, groups: [.instantaneous, .energy]) == rows.count)
        let values = model.values(at: time)
        let registers = Dictionary(
            uniqueKeysWithValues: lines.map { line in
                let f = line.split(separator: " ")
                return (Int(f[0], radix: 16)!, UInt16(f[1], radix: 16)!)
            }
        )
        let frequency = RegisterTable.pro380["frequency"]!
        let words = [registers[0x5008]!, registers[0x5009]!]
        #expect(try frequency.decodeModbus(words) == values["frequency"])
    }
}
