import Foundation

/// Manual A3.2, 0x5000 to 0x5031.
extension PRO380Rows {
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
}
