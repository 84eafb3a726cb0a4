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

/// The rows of the table, grouped by Modbus area, one file per area (`PRO380Rows+Identity.swift`, ...), so the data
/// reads as a table. Only `RegisterTable.pro380` uses it.
enum PRO380Rows {
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

}
