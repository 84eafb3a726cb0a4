import Foundation

/// The PRO380 as data: every value the meter offers, once.
///
/// Sources: manual appendix 3 (A3.2, Modbus map and writes), appendix 2 (A2.2, M-Bus records and writes),
/// `docs/vocabulary.md` (keys, units, OBIS codes). No register address appears anywhere else in the project.
package struct RegisterTable: Sendable {
    /// The rows in manual order.
    package let definitions: [RegisterDefinition]
    private let byKey: [String: RegisterDefinition]

    package init(_ definitions: [RegisterDefinition]) {
        self.definitions = definitions
        self.byKey = Dictionary(definitions.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The row for `key`, if the table has it.
    package subscript(key: String) -> RegisterDefinition? { byKey[key] }

    /// The rows the Modbus variant can read, in address order.
    package var modbusReadable: [RegisterDefinition] {
        definitions.filter { $0.modbus != nil }.sorted { $0.modbus!.address < $1.modbus!.address }
    }

    /// The rows with an M-Bus record.
    package var mbusRecords: [RegisterDefinition] { definitions.filter { $0.mbus != nil } }

    /// The row carried by the OBIS code `code` (short form, `1.8.0`).
    package func definition(obis code: String) -> RegisterDefinition? {
        definitions.first { $0.obis.contains(code) }
    }

    /// The rows a command may write.
    package var writable: [RegisterDefinition] { definitions.filter(\.isWritable) }
}

extension RegisterTable {
    /// The PRO380 (product version 2.18-5).
    package static let pro380 = RegisterTable(
        PRO380Rows.identity + PRO380Rows.instantaneous + PRO380Rows.energy + PRO380Rows.mbusOnly
    )
}

/// The rows of the table, grouped by Modbus area. Kept apart from `RegisterTable` so the data reads as a table.
private enum PRO380Rows {
    static let kW: Decimal = 1000

    static func row(
        _ key: String,
        _ name: String,
        _ unit: String?,
        _ quantity: Quantity,
        _ group: PollGroup,
        modbus: (UInt16, Int, ModbusDataType)? = nil,
        scale: Decimal = 1,
        pro1Only: Bool = false,
        mbus: MBusRecordMapping? = nil,
        obis: [String] = [],
        write: WriteSpecification? = nil
    ) -> RegisterDefinition {
        RegisterDefinition(
            key: key,
            name: name,
            unit: unit,
            quantity: quantity,
            group: group,
            modbus: modbus.map {
                ModbusMapping(address: $0.0, count: $0.1, dataType: $0.2, scale: scale, pro1Only: pro1Only)
            },
            mbus: mbus,
            obis: obis,
            write: write
        )
    }

    static let baudRates: [Decimal] = [300, 600, 1200, 2400, 4800, 9600]
    static let s0Rates: [Decimal] = [10000, 2000, 1000, 100, 10, 1, Decimal(string: "0.1")!, Decimal(string: "0.01")!]
    static let combinationCodes: [Decimal] = [1, 4, 5, 6, 9, 10, 11]

    /// 0x4000 to 0x401F: identity and settings.
    static let identity: [RegisterDefinition] = [
        row(
            "serial_number",
            "Serial number",
            nil,
            .identity,
            .identity,
            modbus: (0x4000, 2, .hexString),
            obis: ["0.0.0", "C.1.0"]
        ),
        row("meter_code", "Meter code", nil, .identity, .identity, modbus: (0x4002, 1, .hexString)),
        row(
            "modbus_id",
            "Modbus ID",
            nil,
            .setting,
            .identity,
            modbus: (0x4003, 1, .signed),
            write: WriteSpecification(allowed: .integers(1...247), modbus: .signed)
        ),
        row(
            "baud_rate",
            "Baud rate",
            nil,
            .setting,
            .identity,
            modbus: (0x4004, 1, .signed),
            write: WriteSpecification(allowed: .oneOf(baudRates), modbus: .signed, mbus: .baudRate)
        ),
        row("protocol_version", "Protocol version", nil, .identity, .identity, modbus: (0x4005, 2, .floatABCD)),
        row("software_version", "Software version", nil, .identity, .identity, modbus: (0x4007, 2, .floatABCD)),
        row("hardware_version", "Hardware version", nil, .identity, .identity, modbus: (0x4009, 2, .floatABCD)),
        row("rated_current", "Rated current", "A", .setting, .identity, modbus: (0x400B, 1, .signed)),
        row("ct_ratio", "CT ratio", nil, .setting, .identity, modbus: (0x400C, 1, .bcd)),
        row(
            "s0_output_rate",
            "S0 output rate",
            "imp/kWh",
            .setting,
            .identity,
            modbus: (0x400D, 2, .floatABCD),
            write: WriteSpecification(allowed: .oneOf(s0Rates), modbus: .float, mbus: .s0Rate)
        ),
        row(
            "combination_code",
            "Combination code",
            nil,
            .setting,
            .identity,
            modbus: (0x400F, 1, .signed),
            write: WriteSpecification(allowed: .oneOf(combinationCodes), modbus: .signed, mbus: .combinationCode)
        ),
        row(
            "lcd_cycle_time",
            "LCD cycle time",
            "s",
            .setting,
            .identity,
            modbus: (0x4010, 1, .bcd),
            write: WriteSpecification(allowed: .integers(1...30), modbus: .bcd)
        ),
        row(
            "parity",
            "Parity",
            nil,
            .setting,
            .identity,
            modbus: (0x4011, 1, .parity),
            write: WriteSpecification(
                allowed: .names([NamedCode("even", 1), NamedCode("none", 2), NamedCode("odd", 3)]),
                modbus: .namedCode
            )
        ),
        row("current_direction_l1", "L1 current direction", nil, .status, .instantaneous, modbus: (0x4012, 1, .ascii)),
        row("current_direction_l2", "L2 current direction", nil, .status, .instantaneous, modbus: (0x4013, 1, .ascii)),
        row("current_direction_l3", "L3 current direction", nil, .status, .instantaneous, modbus: (0x4014, 1, .ascii)),
        row(
            "error_code",
            "Error code",
            nil,
            .status,
            .identity,
            modbus: (0x4015, 1, .signed),
            pro1Only: true,
            obis: ["F.F"]
        ),
        row(
            "power_down_counter",
            "Power down counter",
            nil,
            .status,
            .identity,
            modbus: (0x4016, 1, .signed),
            write: WriteSpecification(allowed: .oneOf([0]), modbus: .signed, mbus: .powerDownCounter)
        ),
        row("quadrant", "Present quadrant", nil, .status, .instantaneous, modbus: (0x4017, 1, .signed)),
        row("quadrant_l1", "L1 quadrant", nil, .status, .instantaneous, modbus: (0x4018, 1, .signed)),
        row("quadrant_l2", "L2 quadrant", nil, .status, .instantaneous, modbus: (0x4019, 1, .signed)),
        row("quadrant_l3", "L3 quadrant", nil, .status, .instantaneous, modbus: (0x401A, 1, .signed)),
        row("firmware_checksum", "Firmware checksum", nil, .identity, .identity, modbus: (0x401B, 2, .hexString)),
        row("status_word", "Active status word", nil, .status, .identity, modbus: (0x401D, 2, .hexString)),
        row("ct_mode", "CT mode", nil, .setting, .identity, modbus: (0x401F, 1, .signed)),
    ]

    /// 0x5000 to 0x5031: instantaneous values.
    static let instantaneous: [RegisterDefinition] = [
        row("voltage", "Voltage", "V", .voltage, .instantaneous, modbus: (0x5000, 2, .floatABCD), pro1Only: true),
        row(
            "voltage_l1",
            "L1 voltage",
            "V",
            .voltage,
            .instantaneous,
            modbus: (0x5002, 2, .floatABCD),
            obis: ["32.7.0"]
        ),
        row(
            "voltage_l2",
            "L2 voltage",
            "V",
            .voltage,
            .instantaneous,
            modbus: (0x5004, 2, .floatABCD),
            obis: ["52.7.0"]
        ),
        row(
            "voltage_l3",
            "L3 voltage",
            "V",
            .voltage,
            .instantaneous,
            modbus: (0x5006, 2, .floatABCD),
            obis: ["72.7.0"]
        ),
        row(
            "frequency",
            "Grid frequency",
            "Hz",
            .frequency,
            .instantaneous,
            modbus: (0x5008, 2, .floatABCD),
            obis: ["14.7.0"]
        ),
        row("current", "Current", "A", .current, .instantaneous, modbus: (0x500A, 2, .floatABCD), pro1Only: true),
        row(
            "current_l1",
            "L1 current",
            "A",
            .current,
            .instantaneous,
            modbus: (0x500C, 2, .floatABCD),
            obis: ["31.7.0"]
        ),
        row(
            "current_l2",
            "L2 current",
            "A",
            .current,
            .instantaneous,
            modbus: (0x500E, 2, .floatABCD),
            obis: ["51.7.0"]
        ),
        row(
            "current_l3",
            "L3 current",
            "A",
            .current,
            .instantaneous,
            modbus: (0x5010, 2, .floatABCD),
            obis: ["71.7.0"]
        ),
        row(
            "active_power_total",
            "Total active power",
            "W",
            .activePower,
            .instantaneous,
            modbus: (0x5012, 2, .floatABCD),
            scale: kW,
            obis: ["16.7.0"]
        ),
        row(
            "active_power_l1",
            "L1 active power",
            "W",
            .activePower,
            .instantaneous,
            modbus: (0x5014, 2, .floatABCD),
            scale: kW,
            obis: ["36.7.0"]
        ),
        row(
            "active_power_l2",
            "L2 active power",
            "W",
            .activePower,
            .instantaneous,
            modbus: (0x5016, 2, .floatABCD),
            scale: kW,
            obis: ["56.7.0"]
        ),
        row(
            "active_power_l3",
            "L3 active power",
            "W",
            .activePower,
            .instantaneous,
            modbus: (0x5018, 2, .floatABCD),
            scale: kW,
            obis: ["76.7.0"]
        ),
        row(
            "reactive_power_total",
            "Total reactive power",
            "var",
            .reactivePower,
            .instantaneous,
            modbus: (0x501A, 2, .floatABCD),
            scale: kW
        ),
        row(
            "reactive_power_l1",
            "L1 reactive power",
            "var",
            .reactivePower,
            .instantaneous,
            modbus: (0x501C, 2, .floatABCD),
            scale: kW
        ),
        row(
            "reactive_power_l2",
            "L2 reactive power",
            "var",
            .reactivePower,
            .instantaneous,
            modbus: (0x501E, 2, .floatABCD),
            scale: kW
        ),
        row(
            "reactive_power_l3",
            "L3 reactive power",
            "var",
            .reactivePower,
            .instantaneous,
            modbus: (0x5020, 2, .floatABCD),
            scale: kW
        ),
        row(
            "apparent_power_total",
            "Total apparent power",
            "VA",
            .apparentPower,
            .instantaneous,
            modbus: (0x5022, 2, .floatABCD),
            scale: kW
        ),
        row(
            "apparent_power_l1",
            "L1 apparent power",
            "VA",
            .apparentPower,
            .instantaneous,
            modbus: (0x5024, 2, .floatABCD),
            scale: kW
        ),
        row(
            "apparent_power_l2",
            "L2 apparent power",
            "VA",
            .apparentPower,
            .instantaneous,
            modbus: (0x5026, 2, .floatABCD),
            scale: kW
        ),
        row(
            "apparent_power_l3",
            "L3 apparent power",
            "VA",
            .apparentPower,
            .instantaneous,
            modbus: (0x5028, 2, .floatABCD),
            scale: kW
        ),
        row(
            "power_factor_total",
            "Power factor",
            nil,
            .powerFactor,
            .instantaneous,
            modbus: (0x502A, 2, .floatABCD),
            obis: ["13.7.0"]
        ),
        row(
            "power_factor_l1",
            "L1 power factor",
            nil,
            .powerFactor,
            .instantaneous,
            modbus: (0x502C, 2, .floatABCD),
            obis: ["33.7.0"]
        ),
        row(
            "power_factor_l2",
            "L2 power factor",
            nil,
            .powerFactor,
            .instantaneous,
            modbus: (0x502E, 2, .floatABCD),
            obis: ["53.7.0"]
        ),
        row(
            "power_factor_l3",
            "L3 power factor",
            nil,
            .powerFactor,
            .instantaneous,
            modbus: (0x5030, 2, .floatABCD),
            obis: ["73.7.0"]
        ),
    ]

    static func energyRow(
        _ key: String,
        _ name: String,
        _ address: UInt16,
        reactive: Bool,
        counter: Bool,
        mbus: MBusRecordMapping? = nil,
        obis: [String] = []
    ) -> RegisterDefinition {
        let quantity: Quantity =
            reactive
            ? (counter ? .reactiveEnergyCounter : .reactiveEnergy) : (counter ? .activeEnergyCounter : .activeEnergy)
        return row(
            key,
            name,
            reactive ? "kvarh" : "kWh",
            quantity,
            .energy,
            modbus: (address, 2, .floatABCD),
            mbus: mbus,
            obis: obis
        )
    }

    /// 0x6000 to 0x604A: energy, tariff, day counter. M-Bus: DIF function 0/1/2 = total/forward/reverse,
    /// DIFE 10/20 = T1/T2, VIF 04 = 10 Wh (A2.2).
    static let energy: [RegisterDefinition] = [
        energyRow(
            "active_energy_total",
            "Total active energy",
            0x6000,
            reactive: false,
            counter: false,
            mbus: MBusRecordMapping(functionField: 0, tariff: 0, vif: 0x04),
            obis: ["15.8.0"]
        ),
        energyRow(
            "active_energy_t1",
            "Total active energy T1",
            0x6002,
            reactive: false,
            counter: false,
            mbus: MBusRecordMapping(functionField: 0, tariff: 1, vif: 0x04),
            obis: ["15.8.1"]
        ),
        energyRow(
            "active_energy_t2",
            "Total active energy T2",
            0x6004,
            reactive: false,
            counter: false,
            mbus: MBusRecordMapping(functionField: 0, tariff: 2, vif: 0x04),
            obis: ["15.8.2"]
        ),
        energyRow("active_energy_l1", "L1 total active energy", 0x6006, reactive: false, counter: false),
        energyRow("active_energy_l2", "L2 total active energy", 0x6008, reactive: false, counter: false),
        energyRow("active_energy_l3", "L3 total active energy", 0x600A, reactive: false, counter: false),
        energyRow(
            "forward_active_energy_total",
            "Forward active energy",
            0x600C,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 1, tariff: 0, vif: 0x04),
            obis: ["1.8.0"]
        ),
        energyRow(
            "forward_active_energy_t1",
            "Forward active energy T1",
            0x600E,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 1, tariff: 1, vif: 0x04),
            obis: ["1.8.1"]
        ),
        energyRow(
            "forward_active_energy_t2",
            "Forward active energy T2",
            0x6010,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 1, tariff: 2, vif: 0x04),
            obis: ["1.8.2"]
        ),
        energyRow(
            "forward_active_energy_l1",
            "L1 forward active energy",
            0x6012,
            reactive: false,
            counter: true,
            obis: ["21.8.0"]
        ),
        energyRow(
            "forward_active_energy_l2",
            "L2 forward active energy",
            0x6014,
            reactive: false,
            counter: true,
            obis: ["41.8.0"]
        ),
        energyRow(
            "forward_active_energy_l3",
            "L3 forward active energy",
            0x6016,
            reactive: false,
            counter: true,
            obis: ["61.8.0"]
        ),
        energyRow(
            "reverse_active_energy_total",
            "Reverse active energy",
            0x6018,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 2, tariff: 0, vif: 0x04),
            obis: ["2.8.0"]
        ),
        energyRow(
            "reverse_active_energy_t1",
            "Reverse active energy T1",
            0x601A,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 2, tariff: 1, vif: 0x04),
            obis: ["2.8.1"]
        ),
        energyRow(
            "reverse_active_energy_t2",
            "Reverse active energy T2",
            0x601C,
            reactive: false,
            counter: true,
            mbus: MBusRecordMapping(functionField: 2, tariff: 2, vif: 0x04),
            obis: ["2.8.2"]
        ),
        energyRow(
            "reverse_active_energy_l1",
            "L1 reverse active energy",
            0x601E,
            reactive: false,
            counter: true,
            obis: ["22.8.0"]
        ),
        energyRow(
            "reverse_active_energy_l2",
            "L2 reverse active energy",
            0x6020,
            reactive: false,
            counter: true,
            obis: ["42.8.0"]
        ),
        energyRow(
            "reverse_active_energy_l3",
            "L3 reverse active energy",
            0x6022,
            reactive: false,
            counter: true,
            obis: ["62.8.0"]
        ),
        energyRow("reactive_energy_total", "Total reactive energy", 0x6024, reactive: true, counter: false),
        energyRow("reactive_energy_t1", "Total reactive energy T1", 0x6026, reactive: true, counter: false),
        energyRow("reactive_energy_t2", "Total reactive energy T2", 0x6028, reactive: true, counter: false),
        energyRow("reactive_energy_l1", "L1 total reactive energy", 0x602A, reactive: true, counter: false),
        energyRow("reactive_energy_l2", "L2 total reactive energy", 0x602C, reactive: true, counter: false),
        energyRow("reactive_energy_l3", "L3 total reactive energy", 0x602E, reactive: true, counter: false),
        energyRow(
            "forward_reactive_energy_total",
            "Forward reactive energy",
            0x6030,
            reactive: true,
            counter: true,
            obis: ["3.8.0"]
        ),
        energyRow(
            "forward_reactive_energy_t1",
            "Forward reactive energy T1",
            0x6032,
            reactive: true,
            counter: true,
            obis: ["3.8.1"]
        ),
        energyRow(
            "forward_reactive_energy_t2",
            "Forward reactive energy T2",
            0x6034,
            reactive: true,
            counter: true,
            obis: ["3.8.2"]
        ),
        energyRow("forward_reactive_energy_l1", "L1 forward reactive energy", 0x6036, reactive: true, counter: true),
        energyRow("forward_reactive_energy_l2", "L2 forward reactive energy", 0x6038, reactive: true, counter: true),
        energyRow("forward_reactive_energy_l3", "L3 forward reactive energy", 0x603A, reactive: true, counter: true),
        energyRow(
            "reverse_reactive_energy_total",
            "Reverse reactive energy",
            0x603C,
            reactive: true,
            counter: true,
            obis: ["4.8.0"]
        ),
        energyRow(
            "reverse_reactive_energy_t1",
            "Reverse reactive energy T1",
            0x603E,
            reactive: true,
            counter: true,
            obis: ["4.8.1"]
        ),
        energyRow(
            "reverse_reactive_energy_t2",
            "Reverse reactive energy T2",
            0x6040,
            reactive: true,
            counter: true,
            obis: ["4.8.2"]
        ),
        energyRow("reverse_reactive_energy_l1", "L1 reverse reactive energy", 0x6042, reactive: true, counter: true),
        energyRow("reverse_reactive_energy_l2", "L2 reverse reactive energy", 0x6044, reactive: true, counter: true),
        energyRow("reverse_reactive_energy_l3", "L3 reverse reactive energy", 0x6046, reactive: true, counter: true),
        row(
            "tariff",
            "Tariff",
            nil,
            .setting,
            .energy,
            modbus: (0x6048, 1, .tariff),
            write: WriteSpecification(allowed: .tariff, modbus: .tariff, mbus: .tariff)
        ),
        row(
            "resettable_day_energy",
            "Resettable day energy",
            "kWh",
            .activeEnergy,
            .energy,
            modbus: (0x6049, 2, .floatABCD),
            write: WriteSpecification(allowed: .oneOf([0]), modbus: .float, mbus: .resettableEnergy)
        ),
    ]

    /// Settings only the M-Bus variant has (manual A2.2 "Write"); no register to read them back.
    static let mbusOnly: [RegisterDefinition] = [
        row(
            "mbus_primary_address",
            "M-Bus primary address",
            nil,
            .setting,
            .identity,
            write: WriteSpecification(allowed: .integers(0...250), mbus: .primaryAddress)
        ),
        row(
            "mbus_secondary_address",
            "M-Bus secondary address",
            nil,
            .setting,
            .identity,
            write: WriteSpecification(allowed: .digits(8), mbus: .secondaryAddress)
        ),
    ]
}
