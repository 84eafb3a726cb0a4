import Foundation

/// Manual A3.2, 0x4000 to 0x401F.
extension PRO380Rows {
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
}
