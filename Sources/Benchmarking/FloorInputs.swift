package import Foundation
package import PRO380
package import Simulator

/// What the C programs under `Benchmarks/floor` read, written from the register table and the simulator's model so
/// that no register address is written down a second time.
package enum FloorInputs {
    /// One function-03 block of the floor.
    package struct Block: Sendable, Equatable {
        package var start: UInt16
        package var count: Int

        package init(start: UInt16, count: Int) {
            self.start = start
            self.count = count
        }
    }

    /// One published value of the floor: where it lies in which block, its key, unit and power-of-ten scale.
    package struct Value: Sendable, Equatable {
        package var block: Int
        package var offset: Int
        package var key: String
        package var unit: String?
        /// The exponent of the table's scale (3 for kW to W).
        package var power: Int
    }

    /// The floor's plan: one block per Modbus area (0x5000 instantaneous, 0x6000 energy) spanning its Float ABCD
    /// rows, and those rows as the values to publish.
    package struct Plan: Sendable, Equatable {
        package var blocks: [Block]
        package var values: [Value]

        /// `block START COUNT` and `value BLOCK OFFSET KEY UNIT|- POWER` lines, as `floor.c` reads them.
        package var text: String {
            var lines = blocks.map { "block 0x\(String($0.start, radix: 16, uppercase: true)) \($0.count)" }
            lines += values.map { "value \($0.block) \($0.offset) \($0.key) \($0.unit ?? "-") \($0.power)" }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The plan over the float rows of the instantaneous and energy groups, one block per area.
    package static func plan(table: RegisterTable = .pro380) -> Plan {
        let floats = table.definitions.filter {
            $0.modbus?.dataType == .floatABCD && ($0.group == .instantaneous || $0.group == .energy)
        }
        let areas = Dictionary(grouping: floats) { $0.modbus!.address & 0xF000 }
        var plan = Plan(blocks: [], values: [])
        for area in areas.keys.sorted() {
            let rows = areas[area]!.sorted { $0.modbus!.address < $1.modbus!.address }
            let start = rows[0].modbus!.address
            let end = rows.map { Int($0.modbus!.address) + $0.modbus!.count }.max()!
            plan.blocks.append(Block(start: start, count: end - Int(start)))
            for row in rows {
                plan.values.append(
                    Value(
                        block: plan.blocks.count - 1,
                        offset: Int(row.modbus!.address - start),
                        key: row.key,
                        unit: row.unit,
                        power: powerOfTen(row.modbus!.scale)
                    )
                )
            }
        }
        return plan
    }

    /// The register image of a simulated PRO380 at `time`: `ADDRESS VALUE` lines (hex) for every row the model
    /// answers, as `standin.c` loads them. Rows the meter refuses (PRO1 only) read as zeros, so the stand-in
    /// answers every block a PRO1 would.
    package static func registerImage(model: PRO380Model, at time: Date) -> String {
        var lines: [String] = []
        for row in model.table.definitions {
            guard let mapping = row.modbus else { continue }
            let registers: [UInt16]
            switch model.holdingRegisters(address: mapping.address, count: mapping.count, at: time) {
            case .success(let answered): registers = answered
            case .failure: registers = Array(repeating: 0, count: mapping.count)
            }
            for (n, register) in registers.enumerated() {
                lines.append(String(format: "%04X %04X", Int(mapping.address) + n, Int(register)))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// 1 -> 0, 1000 -> 3; the table only scales by powers of ten.
    static func powerOfTen(_ scale: Decimal) -> Int {
        var power = 0
        var rest = scale
        while rest >= 10 {
            rest /= 10
            power += 1
        }
        return power
    }
}

extension FloorInputs {
    /// How many readings the bridge publishes per poll of `groups` from a meter with this register image: the
    /// table's rows of those groups whose registers decode.
    package static func valuesPerPoll(image: String, groups: Set<PollGroup>, table: RegisterTable = .pro380) -> Int {
        var registers: [Int: UInt16] = [:]
        for line in image.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let address = Int(fields[0], radix: 16), let value = UInt16(fields[1], radix: 16) {
                registers[address] = value
            }
        }
        return table.definitions.filter { row in
            guard groups.contains(row.group), let mapping = row.modbus else { return false }
            let words = (0..<mapping.count).compactMap { registers[Int(mapping.address) + $0] }
            return words.count == mapping.count && (try? row.decodeModbus(words)) != nil
        }.count
    }
}
