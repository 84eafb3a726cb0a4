package import Foundation
import PRO380

extension PRO380Model {
    /// The largest register count of one function-03 request (Modbus application protocol 6.3).
    package static let maximumReadCount = 125

    /// Answers a function-03 read from the register image (manual A3.2): each row's value at `now`, encoded as
    /// the table's `ModbusMapping` says (Float ABCD, Signed, HEX digits, BCD, ASCII, tariff code, parity code).
    ///
    /// - Returns: `count` registers, or `.illegalDataAddress` (exception 02) when the range touches an address
    ///   outside the map, a "PRO1 only" row this meter lacks, or starts or ends inside a two-register value;
    ///   `.illegalDataValue` (exception 03) for a count outside 1...125.
    package func holdingRegisters(address: UInt16, count: Int, at now: Date) -> Result<[UInt16], SimulatorError> {
        guard (1...Self.maximumReadCount).contains(count) else {
            return .failure(.illegalDataValue(address: address, reason: "register count \(count) outside 1...125"))
        }
        let refused = SimulatorError.illegalDataAddress(address: address, count: count)
        let settings = settings
        let values = values(at: now)
        let index = ModbusRegisterIndex(table: table)
        var registers: [UInt16] = []
        var next = Int(address)
        let end = Int(address) + count
        while next < end {
            guard let row = index.row(containing: next), let mapping = row.modbus, Int(mapping.address) == next,
                next + mapping.count <= end, let value = values[row.key],
                let encoded = row.encodeModbus(value, volatileTariff: settings.unsavedTariff != nil)
            else { return .failure(refused) }
            registers += encoded
            next += mapping.count
        }
        return .success(registers)
    }

    /// Applies a function-06 or function-16 write (manual A3.2 "Write") through `write(key:value:persist:at:)`.
    ///
    /// Function 06 writes one Signed, BCD or code register (Modbus ID, baud rate, combination code, LCD cycle time
    /// in BCD, parity code, power-down counter, tariff 1/2/11/12); function 16 writes floats (S0 rate at 0x400D,
    /// day counter at 0x6049) and also accepts whole single-register rows. A function-16 request spanning several
    /// rows is checked whole before any row is applied.
    /// - Returns: `.illegalFunction` (01) for another function code; `.illegalDataAddress` (02) when a register is
    ///   not writable or the request splits a value; `.illegalDataValue` (03) for a value the manual does not allow.
    package func writeRegisters(
        address: UInt16,
        values: [UInt16],
        function: UInt8,
        at now: Date
    ) -> Result<
        Void, SimulatorError
    > {
        guard function == 6 || function == 16 else {
            return .failure(.illegalFunction(function: function, address: address))
        }
        guard function == 16 || values.count == 1, (1...123).contains(values.count) else {
            return .failure(.illegalDataValue(address: address, reason: "register count \(values.count)"))
        }
        let refused = SimulatorError.illegalDataAddress(address: address, count: values.count)
        let index = ModbusRegisterIndex(table: table)
        var writes: [(key: String, value: MeterValue, persist: Bool)] = []
        var offset = 0
        while offset < values.count {
            let register = Int(address) + offset
            guard let row = index.row(containing: register), let mapping = row.modbus, Int(mapping.address) == register,
                offset + mapping.count <= values.count, let encoding = row.write?.modbus
            else { return .failure(refused) }
            let slice = Array(values[offset..<offset + mapping.count])
            guard let (value, persist) = Self.decodeWrite(slice, encoding: encoding, allowed: row.write!.allowed),
                row.write!.allowed.simulatorAccepted(value) != nil
            else {
                let shown = slice.map { String(format: "%04X", $0) }.joined(separator: " ")
                return .failure(.illegalDataValue(address: mapping.address, reason: "\(row.key) refuses [\(shown)]"))
            }
            writes.append((row.key, value, persist))
            offset += mapping.count
        }
        for write in writes {
            do {
                try self.write(key: write.key, value: write.value, persist: write.persist, at: now)
            } catch {
                return .failure(error)
            }
        }
        return .success(())
    }

    /// The value a write's registers carry, and whether it is saved (false only for tariff codes 11 and 12).
    private static func decodeWrite(
        _ registers: [UInt16],
        encoding: ModbusWriteEncoding,
        allowed: AllowedValues
    ) -> (MeterValue, Bool)? {
        switch encoding {
        case .signed:
            return (.integer(Int(Int16(bitPattern: registers[0]))), true)
        case .bcd:
            return BCD.decode(registers).map { (.integer($0), true) }
        case .namedCode:
            guard case .names(let names) = allowed, let named = names.first(where: { $0.code == Int(registers[0]) })
            else {
                return nil
            }
            return (.text(named.name), true)
        case .tariff:
            switch registers[0] {
            case 1, 2: return (.integer(Int(registers[0])), true)
            case 11, 12: return (.integer(Int(registers[0]) - 10), false)
            default: return nil
            }
        case .float:
            guard registers.count == 2 else { return nil }
            return MeterValue(single: Float(bitPattern: UInt32(registers[0]) << 16 | UInt32(registers[1]))).map {
                ($0, true)
            }
        }
    }
}

/// Which table row holds each Modbus register address.
struct ModbusRegisterIndex {
    private var rows: [Int: RegisterDefinition] = [:]

    init(table: RegisterTable) {
        for row in table.modbusReadable {
            for register in row.modbus!.registers { rows[register] = row }
        }
    }

    func row(containing register: Int) -> RegisterDefinition? { rows[register] }
}

extension SimulatorError {
    /// The Modbus exception code a PRO380 answers for this refusal (Modbus application protocol 7): 01 illegal
    /// function, 02 illegal data address, 03 illegal data value, 04 server device failure for the rest.
    package var modbusExceptionCode: UInt8 {
        switch self {
        case .illegalFunction: return 1
        case .illegalDataAddress, .unknownKey, .notWritable: return 2
        case .illegalDataValue, .valueNotAllowed: return 3
        case .stateFile, .server: return 4
        }
    }
}
