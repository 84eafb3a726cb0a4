import Foundation
import Testing

@testable import PRO380

@Suite struct ModbusDecodingTests {
    let table = RegisterTable.pro380

    @Test func floatIsShortestDecimal() throws {
        // 49.98 Hz as a single: 0x4247EB85.
        let v = try table["frequency"]!.decodeModbus([0x4247, 0xEB85])
        #expect(v.jsonFragment == "49.98")
    }

    @Test func kilowattsBecomeWattsExactly() throws {
        let bits = Float(1.0125).bitPattern
        let v = try table["active_power_total"]!.decodeModbus([UInt16(bits >> 16), UInt16(bits & 0xFFFF)])
        #expect(v.jsonFragment == "1012.5")
    }

    @Test func voltageFromManualStyleBytes() throws {
        // 43 66 4C CD = 230.3 V.
        #expect(try table["voltage_l1"]!.decodeModbus([0x4366, 0x4CCD]).jsonFragment == "230.3")
    }

    @Test func wordSwappedFloatIsImplausible() {
        #expect(throws: RegisterDecodingError.self) { try table["voltage_l1"]!.decodeModbus([0x4CCD, 0x4366]) }
    }

    @Test func hexBCDAsciiTariffParity() throws {
        #expect(try table["serial_number"]!.decodeModbus([0x1307, 0x0042]) == .text("13070042"))
        #expect(try table["lcd_cycle_time"]!.decodeModbus([0x0025]) == .integer(25))
        #expect(throws: RegisterDecodingError.self) { try table["lcd_cycle_time"]!.decodeModbus([0x002A]) }
        #expect(try table["current_direction_l1"]!.decodeModbus([0x2B20]) == .text("+"))
        #expect(try table["tariff"]!.decodeModbus([12]) == .integer(2))
        #expect(try table["tariff"]!.decodeModbus([1]) == .integer(1))
        #expect(throws: RegisterDecodingError.self) { try table["tariff"]!.decodeModbus([3]) }
        #expect(try table["parity"]!.decodeModbus([2]) == .text("none"))
        #expect(try table["modbus_id"]!.decodeModbus([0xFFFF]) == .integer(-1))
    }

    @Test func nanIsRefused() {
        #expect(throws: RegisterDecodingError.self) { try table["current_l1"]!.decodeModbus([0x7FC0, 0x0000]) }
    }

    @Test func tableCoversManualAreas() {
        let rows = table.modbusReadable
        let registers = rows.reduce(0) { $0 + $1.modbus!.count }
        #expect(registers == 32 + 50 + 75)
        // No register address appears twice and no two rows overlap.
        var seen = Set<Int>()
        for row in rows { for r in row.modbus!.registers { #expect(seen.insert(r).inserted, "\(row.key) overlaps") } }
        #expect(Set(table.definitions.map(\.key)).count == table.definitions.count)
    }
}
