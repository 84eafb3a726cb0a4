package import Foundation

/// What a command may write to a key, and how each protocol carries it (manual A2.2 "Write", A3.2 "Write").
package struct WriteSpecification: Sendable, Equatable, Hashable {
    /// The values a command may carry, before protocol encoding.
    package var allowed: AllowedValues
    /// How the value goes over Modbus, if the Modbus variant can write it.
    package var modbus: ModbusWriteEncoding?
    /// Which M-Bus SND_UD command writes it, if the M-Bus variant can.
    package var mbus: MBusWriteCommand?

    package init(allowed: AllowedValues, modbus: ModbusWriteEncoding? = nil, mbus: MBusWriteCommand? = nil) {
        self.allowed = allowed
        self.modbus = modbus
        self.mbus = mbus
    }
}

/// The set of values a writable key accepts.
package enum AllowedValues: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Whole numbers in a range (Modbus ID 1 to 247, LCD cycle time 1 to 30 s).
    case integers(ClosedRange<Int>)
    /// One of a list of numbers (baud rates, S0 rates, combination codes, 0 for a reset).
    case oneOf([Decimal])
    /// One of a list of names, each with the code the meter stores (parity: even 1, none 2, odd 3).
    case names([NamedCode])
    /// Tariff 1 or 2, also written `T1`/`T2`; "not saved" variants 11/12 through `persist: false`.
    case tariff
    /// A string of exactly this many decimal digits (M-Bus secondary address).
    case digits(Int)

    /// The allowed values in words, for error answers: `1, 2, T1, T2`.
    package var description: String {
        switch self {
        case .integers(let r): return "a whole number from \(r.lowerBound) to \(r.upperBound)"
        case .oneOf(let values): return "one of " + values.map { "\($0)" }.joined(separator: ", ")
        case .names(let names): return "one of " + names.map { "\"\($0.name)\"" }.joined(separator: ", ")
        case .tariff: return "one of 1, 2, \"T1\", \"T2\""
        case .digits(let n): return "a string of \(n) decimal digits"
        }
    }
}

/// A name and the numeric code a meter register stores for it.
package struct NamedCode: Sendable, Equatable, Hashable {
    package var name: String
    package var code: Int

    package init(_ name: String, _ code: Int) {
        self.name = name
        self.code = code
    }
}

/// How a validated value becomes Modbus registers (manual A3.2 "Write").
package enum ModbusWriteEncoding: String, Sendable, Equatable, Hashable {
    /// Function 06, the value as a signed 16-bit register.
    case signed
    /// Function 06, the value in BCD (`01 06 4010 0025` is 25 s).
    case bcd
    /// Function 06, the name's code (parity 1 even, 2 none, 3 odd).
    case namedCode
    /// Function 06, tariff 1/2, or 11/12 when not saved to EEPROM.
    case tariff
    /// Function 16, an IEEE-754 single over two registers (`01 10 400D 0002 04 41 20 00 00` is 10).
    case float
}

/// The M-Bus SND_UD write commands of the PRO380-Mb (manual A2.2 "Write").
package enum MBusWriteCommand: String, Sendable, Equatable, Hashable {
    /// CI B8 to BD.
    case baudRate
    /// 51 01 7A + address.
    case primaryAddress
    /// 51 0C 79 + 4 BCD bytes.
    case secondaryAddress
    /// 51 09 7C 01 54 + 01/02.
    case tariff
    /// 51 09 FD 3A + code.
    case combinationCode
    /// 51 0C FD 3A + 4 BCD bytes of the rate times 100.
    case s0Rate
    /// 51 0C 04 + 00 00 00 00.
    case resettableEnergy
    /// 51 0A FD 60 + 00 00.
    case powerDownCounter
}
