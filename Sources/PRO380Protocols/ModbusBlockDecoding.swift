package import Foundation
package import Modbus
package import PRO380

/// The one path from a function-03 reply to readings: each register-table row whose registers lie in the reply is
/// decoded with `RegisterDefinition.decodeModbus` (data type, scale, plausibility). Polling (`ModbusMeterDriver`)
/// and listening to another master's traffic (`ListenedMeter`) both go through it, so a value means the same
/// whichever way it was read.
package struct ModbusBlockDecoding: Sendable {
    /// One row's result: its reading, or why its registers were refused.
    package struct Decoded: Sendable {
        package var row: RegisterDefinition
        package var result: Result<Reading, any Error>
    }

    /// The one instance for the PRO380's table.
    package static let pro380 = ModbusBlockDecoding()

    /// The table's Modbus rows by the registers they occupy.
    package let rowsBySpan: [RegisterSpan: RegisterDefinition]
    private let spans: [RegisterSpan]

    package init(table: RegisterTable = .pro380) {
        var rows: [RegisterSpan: RegisterDefinition] = [:]
        for row in table.modbusReadable {
            guard let mapping = row.modbus else { continue }
            rows[RegisterSpan(address: mapping.address, count: mapping.count)] = row
        }
        rowsBySpan = rows
        spans = rows.keys.sorted()
    }

    /// The rows a read of `count` registers at `address` holds whole (a value the read cuts in half holds none).
    package func block(address: UInt16, count: Int) -> ReadBlock {
        let end = Int(address) + count
        return ReadBlock(
            address: address,
            count: count,
            spans: spans.filter { Int($0.address) >= Int(address) && $0.end <= end }
        )
    }

    /// Decodes the rows of `block` that `wanted` selects from `registers`, the block's reply, read at `time`.
    package func decode(
        _ block: ReadBlock,
        _ registers: [UInt16],
        at time: Date,
        selecting wanted: (RegisterDefinition) -> Bool = { _ in true }
    ) -> [Decoded] {
        block.spans.compactMap { span in
            guard let row = rowsBySpan[span], wanted(row), let slice = block.registers(of: span, in: registers) else {
                return nil
            }
            return Decoded(
                row: row,
                result: Result {
                    Reading(key: row.key, value: try row.decodeModbus(Array(slice)), unit: row.unit, time: time)
                }
            )
        }
    }
}
