package import Foundation

/// A write that passed validation against the register table, ready for a driver.
///
/// Built only by `CommandValidator`, so a driver never sees a value outside the manual's allowed set.
package struct MeterCommand: Sendable, Equatable {
    /// The vocabulary key (`tariff`, `modbus_id`, ...).
    package var key: String
    /// The validated value.
    package var value: CommandValue
    /// The table row, with its protocol encodings.
    package var definition: RegisterDefinition

    package init(key: String, value: CommandValue, definition: RegisterDefinition) {
        self.key = key
        self.value = value
        self.definition = definition
    }
}

/// A validated command value, in the form the meter stores.
package enum CommandValue: Sendable, Equatable, CustomStringConvertible {
    /// A whole number (Modbus ID, baud rate, combination code, LCD cycle time, a reset's 0).
    case integer(Int)
    /// A decimal (S0 output rate 0.1, 0.01, ...).
    case decimal(Decimal)
    /// A named code (parity "none" stored as 2).
    case named(name: String, code: Int)
    /// Tariff 1 or 2; `persist: false` writes the "not saved" codes 11 or 12 (no EEPROM write).
    case tariff(Int, persist: Bool)
    /// A digit string (M-Bus secondary address).
    case digits(String)

    /// The value as published in answers and readings: `2`, `0.1`, `"none"`, `"13070042"`.
    package var published: MeterValue {
        switch self {
        case .integer(let i): return .integer(i)
        case .decimal(let d): return .decimal(d)
        case .named(let name, _): return .text(name)
        case .tariff(let t, _): return .integer(t)
        case .digits(let s): return .text(s)
        }
    }

    /// The numeric value when there is one (for encoders).
    package var decimalValue: Decimal? {
        switch self {
        case .integer(let i): return Decimal(i)
        case .decimal(let d): return d
        case .named(_, let code): return Decimal(code)
        case .tariff(let t, let persist): return Decimal(persist ? t : t + 10)
        case .digits: return nil
        }
    }

    package var description: String { published.description }
}

/// How a driver confirmed a write.
package struct CommandConfirmation: Sendable, Equatable {
    /// Readings taken after the write (the read-back), to publish.
    package var readings: [Reading]
    /// How the write was confirmed, for the answer: "read back 2", "acknowledged by E5; no register to read back".
    package var detail: String
    /// Something the operator must do, e.g. "update address: 10 in the config file".
    package var notice: String?

    package init(readings: [Reading], detail: String, notice: String? = nil) {
        self.readings = readings
        self.detail = detail
        self.notice = notice
    }
}

/// Why a write did not go through, as said in the error answer.
package enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The meter answered with a refusal (Modbus exception, M-Bus NAK).
    case refusedByMeter(String)
    /// The meter did not answer in time.
    case timeout(String)
    /// The read-back after the write shows another value.
    case mismatch(expected: String, readBack: String)
    /// The protocol cannot write this key (e.g. `lcd_cycle_time` over M-Bus, anything over the optical port).
    case notSupported(key: String, protocolName: String)
    /// The write could not be made safely (e.g. a baud-rate change on a bus shared with other meters).
    case unsafe(String)
    /// Corrupt reply or transport failure.
    case communication(String)

    package var description: String {
        switch self {
        case .refusedByMeter(let s): return "the meter refused the write: \(s)"
        case .timeout(let s): return "no answer from the meter: \(s)"
        case .mismatch(let expected, let readBack): return "written \(expected) but the meter reads back \(readBack)"
        case .notSupported(let key, let p): return "\(key) cannot be written over \(p)"
        case .unsafe(let s): return s
        case .communication(let s): return "communication failed: \(s)"
        }
    }
}
