import Foundation

/// Manual A3.2, 0x6000 to 0x604A, and the M-Bus records of A2.2.
extension PRO380Rows {
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
}
