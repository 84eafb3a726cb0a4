import Foundation
import PRO380
import Simulator
import Testing

/// The simulator's Modbus register image: reads and writes by address (manual A3.2).
@Suite struct ModbusRegisterImageTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    let table = RegisterTable.pro380

    func exception(_ result: Result<some Any, SimulatorError>) -> UInt8? {
        if case .failure(let error) = result { return error.modbusExceptionCode }
        return nil
    }

    @Test func readsDecodeToTheModelsValues() throws {
        let model = try PRO380Model(profile: .household(seed: 5), start: Self.start)
        let now = Self.start.addingTimeInterval(777)
        let values = model.values(at: now)
        for (address, count) in [(0x4000, 21), (0x4016, 10), (0x5002, 8), (0x500C, 38), (0x6000, 75)] {
            let registers = try model.holdingRegisters(address: UInt16(address), count: count, at: now).get()
            #expect(registers.count == count)
            for row in table.modbusReadable {
                let mapping = row.modbus!
                guard mapping.registers.lowerBound >= address, mapping.registers.upperBound <= address + count else {
                    continue
                }
                let slice = Array(
                    registers[(mapping.registers.lowerBound - address)..<(mapping.registers.upperBound - address)]
                )
                #expect(try row.decodeModbus(slice) == values[row.key], "\(row.key)")
            }
        }
    }

    @Test func serialNumberTariffAndParityCodes() throws {
        let model = try PRO380Model(start: Self.start)
        #expect(try model.holdingRegisters(address: 0x4000, count: 2, at: Self.start).get() == [0x1307, 0x0042])
        #expect(try model.holdingRegisters(address: 0x4011, count: 1, at: Self.start).get() == [1])
        try model.writeRegisters(address: 0x6048, values: [12], function: 6, at: Self.start).get()
        #expect(try model.holdingRegisters(address: 0x6048, count: 1, at: Self.start).get() == [12])
        try model.writeRegisters(address: 0x6048, values: [1], function: 6, at: Self.start).get()
        #expect(try model.holdingRegisters(address: 0x6048, count: 1, at: Self.start).get() == [1])
    }

    @Test(arguments: [
        (0x4015, 1, 2), (0x4000, 32, 2), (0x5000, 2, 2), (0x500A, 2, 2), (0x4020, 1, 2), (0x3FFF, 2, 2),
        (0x5003, 2, 2), (0x5002, 3, 2), (0x604B, 1, 2), (0x6049, 1, 2), (0x5002, 126, 3), (0x5002, 0, 3),
    ])
    func refusedReads(_ address: Int, _ count: Int, _ code: UInt8) throws {
        let model = try PRO380Model(start: Self.start)
        #expect(exception(model.holdingRegisters(address: UInt16(address), count: count, at: Self.start)) == code)
    }

    @Test func aPRO1AnswersItsRows() throws {
        let model = try PRO380Model(
            settings: SimulatedMeterSettings(pro1OnlyKeys: ["voltage", "current", "error_code"]),
            start: Self.start
        )
        #expect(try model.holdingRegisters(address: 0x4000, count: 32, at: Self.start).get().count == 32)
        #expect(try model.holdingRegisters(address: 0x5000, count: 50, at: Self.start).get().count == 50)
    }

    struct Write: Sendable, CustomStringConvertible {
        var function: UInt8
        var address: UInt16
        var values: [UInt16]
        var exception: UInt8?
        var key: String = ""
        var expected: MeterValue? = nil
        var description: String {
            "\(function) \(String(address, radix: 16)) \(values.map { String($0, radix: 16) }) -> \(exception.map(String.init) ?? "ok")"
        }
    }

    /// The manual's write examples (A3.2 "Write"), then values out of range and addresses that are not writable.
    static let writes: [Write] = [
        Write(function: 6, address: 0x4003, values: [0x000A], exception: nil, key: "modbus_id", expected: .integer(10)),
        Write(
            function: 6,
            address: 0x4004,
            values: [0x2580],
            exception: nil,
            key: "baud_rate",
            expected: .integer(9600)
        ),
        Write(
            function: 16,
            address: 0x400D,
            values: [0x4120, 0x0000],
            exception: nil,
            key: "s0_output_rate",
            expected: .decimal(10)
        ),
        Write(
            function: 6,
            address: 0x400F,
            values: [0x000A],
            exception: nil,
            key: "combination_code",
            expected: .integer(10)
        ),
        Write(
            function: 6,
            address: 0x4010,
            values: [0x0025],
            exception: nil,
            key: "lcd_cycle_time",
            expected: .integer(25)
        ),
        Write(function: 6, address: 0x4011, values: [0x0002], exception: nil, key: "parity", expected: .text("none")),
        Write(
            function: 6,
            address: 0x4016,
            values: [0x0000],
            exception: nil,
            key: "power_down_counter",
            expected: .integer(0)
        ),
        Write(function: 6, address: 0x6048, values: [0x0002], exception: nil, key: "tariff", expected: .integer(2)),
        Write(function: 6, address: 0x6048, values: [0x000B], exception: nil, key: "tariff", expected: .integer(1)),
        Write(
            function: 16,
            address: 0x6049,
            values: [0x0000, 0x0000],
            exception: nil,
            key: "resettable_day_energy",
            expected: .decimal(0)
        ),
        Write(
            function: 16,
            address: 0x400D,
            values: [0x3DCC, 0xCCCD],
            exception: nil,
            key: "s0_output_rate",
            expected: .decimal(Decimal(string: "0.1")!)
        ),
        Write(function: 6, address: 0x4003, values: [0x0000], exception: 3),
        Write(function: 6, address: 0x4003, values: [0x00F8], exception: 3),
        Write(function: 6, address: 0x4004, values: [0x2581], exception: 3),
        Write(function: 16, address: 0x400D, values: [0x40A0, 0x0000], exception: 3),
        Write(function: 6, address: 0x400F, values: [0x0002], exception: 3),
        Write(function: 6, address: 0x4010, values: [0x0031], exception: 3),
        Write(function: 6, address: 0x4010, values: [0x002A], exception: 3),
        Write(function: 6, address: 0x4011, values: [0x0004], exception: 3),
        Write(function: 6, address: 0x4016, values: [0x0001], exception: 3),
        Write(function: 6, address: 0x6048, values: [0x0003], exception: 3),
        Write(function: 16, address: 0x6049, values: [0x3F80, 0x0000], exception: 3),
        Write(function: 6, address: 0x5002, values: [0x0001], exception: 2),
        Write(function: 6, address: 0x4000, values: [0x0001], exception: 2),
        Write(function: 6, address: 0x400D, values: [0x4120], exception: 2),
        Write(function: 16, address: 0x400E, values: [0x0000, 0x4120], exception: 2),
        Write(function: 5, address: 0x4003, values: [0x0001], exception: 1),
    ]

    @Test(arguments: writes)
    func writeRegisters(_ write: Write) throws {
        let model = try PRO380Model(start: Self.start)
        let result = model.writeRegisters(
            address: write.address,
            values: write.values,
            function: write.function,
            at: Self.start
        )
        #expect(exception(result) == write.exception)
        if let expected = write.expected {
            #expect(model.values(at: Self.start)[write.key] == expected)
        }
    }

    @Test func aMultiRegisterWriteIsAllOrNothing() throws {
        let model = try PRO380Model(start: Self.start)
        // 0x4003 Modbus ID 5 and 0x4004 baud 1234 (refused): nothing changes.
        let result = model.writeRegisters(address: 0x4003, values: [5, 1234], function: 16, at: Self.start)
        #expect(exception(result) == 3)
        #expect(model.settings.modbusID == 1)
        try model.writeRegisters(address: 0x4003, values: [5, 4800], function: 16, at: Self.start).get()
        #expect(model.settings.modbusID == 5)
        #expect(model.settings.baudRate == 4800)
    }
}
