package import Foundation

/// One row of the PRO380 register table: a published key with everything every layer needs to know about it.
///
/// The table (`RegisterTable.pro380`) is the single place where a register address, an M-Bus record or an OBIS
/// code is written down. The Modbus read planner, the value decoders, the command validator, Home Assistant
/// discovery and the simulator all read it.
package struct RegisterDefinition: Sendable, Equatable, Hashable {
    /// The vocabulary key (`docs/vocabulary.md`).
    package var key: String
    /// A name a person wants to see: "L1 voltage", "Forward active energy T1".
    package var name: String
    /// The published unit, `nil` for unitless values.
    package var unit: String?
    /// What physical quantity or kind of setting this is (drives plausibility and Home Assistant classes).
    package var quantity: Quantity
    /// How often it is polled.
    package var group: PollGroup
    /// Where it lives in the Modbus map (manual appendix 3), if the Modbus variant has it.
    package var modbus: ModbusMapping?
    /// Which M-Bus data record carries it (manual appendix 2), if any.
    package var mbus: MBusRecordMapping?
    /// The OBIS codes (short form, `1.8.0`) that carry it on the IEC 62056-21 optical port.
    package var obis: [String]
    /// The accepted command values when the key is writable; `nil` for read-only keys.
    package var write: WriteSpecification?

    package init(
        key: String,
        name: String,
        unit: String? = nil,
        quantity: Quantity,
        group: PollGroup,
        modbus: ModbusMapping? = nil,
        mbus: MBusRecordMapping? = nil,
        obis: [String] = [],
        write: WriteSpecification? = nil
    ) {
        self.key = key
        self.name = name
        self.unit = unit
        self.quantity = quantity
        self.group = group
        self.modbus = modbus
        self.mbus = mbus
        self.obis = obis
        self.write = write
    }

    /// Whether a command may write this key at all (see also the per-meter `allow_commands`).
    package var isWritable: Bool { write != nil }
}

/// What a register measures or holds.
package enum Quantity: String, Sendable, Equatable, Hashable {
    case voltage, current, frequency
    case activePower, reactivePower, apparentPower, powerFactor
    /// A net or combined active energy that may fall (depends on the combination code).
    case activeEnergy
    /// A forward or reverse active energy counter: never falls.
    case activeEnergyCounter
    case reactiveEnergy
    case reactiveEnergyCounter
    /// An identity register (serial number, versions, checksums).
    case identity
    /// A setting (baud rate, tariff, combination code, ...).
    case setting
    /// A diagnostic state (error code, quadrant, status word, current direction, counters).
    case status

    /// The range a plausible decoded value lies in, in the published unit; values outside are refused as corrupt
    /// (a word-swapped float gives 10^8 V). `nil` means any finite value.
    package var plausibleRange: ClosedRange<Double>? {
        switch self {
        case .voltage: return 0...1_000
        case .current: return -100_000...100_000
        case .frequency: return 0...100
        case .activePower, .reactivePower, .apparentPower: return -100_000_000...100_000_000
        case .powerFactor: return -1.001...1.001
        case .activeEnergy, .reactiveEnergy: return -1_000_000_000...1_000_000_000
        case .activeEnergyCounter, .reactiveEnergyCounter: return 0...1_000_000_000
        case .identity, .setting, .status: return nil
        }
    }

    /// Whether the value only ever rises (a drop is a corrupt read or a meter swap, never real consumption).
    package var isMonotonic: Bool { self == .activeEnergyCounter || self == .reactiveEnergyCounter }
}

/// Register groups polled at their own intervals.
package enum PollGroup: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// Serial number, versions, settings: read at start and then rarely.
    case identity
    /// Voltages, currents, powers, frequency: read often.
    case instantaneous
    /// Energy counters, tariff, day counter.
    case energy
}

/// Where a value lives in the PRO380 Modbus map (manual appendix 3, A3.2).
package struct ModbusMapping: Sendable, Equatable, Hashable {
    /// The holding register address (function 03).
    package var address: UInt16
    /// The number of 16-bit registers.
    package var count: Int
    /// How the registers decode.
    package var dataType: ModbusDataType
    /// The factor from the meter's unit to the published unit (1000 for kW to W).
    package var scale: Decimal {
        didSet { exactScale = DecimalNumber(scale) ?? DecimalNumber(1) }
    }
    /// `scale` as the decoder multiplies by it (an exponent change for powers of ten).
    package private(set) var exactScale: DecimalNumber
    /// The manual marks the row "PRO1 only" (`*`): a PRO380 may refuse it with exception 02.
    package var pro1Only: Bool

    package init(
        address: UInt16,
        count: Int,
        dataType: ModbusDataType,
        scale: Decimal = 1,
        pro1Only: Bool = false
    ) {
        self.address = address
        self.count = count
        self.dataType = dataType
        self.scale = scale
        self.exactScale = DecimalNumber(scale) ?? DecimalNumber(1)
        self.pro1Only = pro1Only
    }

    /// The registers this value occupies.
    package var registers: Range<Int> { Int(address)..<(Int(address) + count) }
}

/// The data types of the Modbus map, with the reading chosen for each "HEX" row (`docs/register-decoding.md`).
package enum ModbusDataType: String, Sendable, Equatable, Hashable {
    /// IEEE-754 single over two registers, first register high word ("Float ABCD").
    case floatABCD
    /// A two's complement 16-bit integer ("Signed").
    case signed
    /// The registers as a string of hex digits, four per register ("HEX": serial number, meter code, checksum).
    case hexString
    /// Binary-coded decimal, four digits per register ("HEX" where the manual writes decimals: 0x0025 = 25 s).
    case bcd
    /// Two ASCII characters, high byte first ("ASCII": current direction).
    case ascii
    /// "Signed" tariff register: 1, 2, or 11/12 for "not saved"; published as 1 or 2.
    case tariff
    /// "Signed" parity register: 1 even, 2 none, 3 odd; published as the name.
    case parity
}

/// Where a value lives in the PRO380-Mb telegram (manual appendix 2, A2.2), by the meter's own use of the fields.
package struct MBusRecordMapping: Sendable, Equatable, Hashable {
    /// The DIF function field as the PRO380 uses it: 0 total, 1 forward, 2 reverse (not the standard's
    /// instantaneous/maximum/minimum).
    package var functionField: UInt8
    /// The tariff from the DIFE (0 = none, 1 = T1, 2 = T2).
    package var tariff: Int
    /// The VIF (0x04: energy in units of 10 Wh).
    package var vif: UInt8

    package init(functionField: UInt8, tariff: Int, vif: UInt8) {
        self.functionField = functionField
        self.tariff = tariff
        self.vif = vif
    }
}
