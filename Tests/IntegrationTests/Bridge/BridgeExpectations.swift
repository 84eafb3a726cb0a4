import Foundation
import MQTT
import PRO380
import Simulator
import TestSupport
import Testing

/// Waits until `meter` has published every key of `keys`, then checks each against the simulated model at `time`:
/// the unit of the vocabulary and the model's value, written as the same JSON number.
func expectEveryKey(
    _ harness: BridgeHarness,
    meter: String,
    model: PRO380Model,
    at time: Date,
    keys: [String] = pro380ModbusKeys,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    let complete = await eventually("every key of \(meter)", sourceLocation: sourceLocation) {
        keys.allSatisfy { harness.log.last(harness.topic(meter, $0)) != nil }
    }
    guard complete else {
        let missing = keys.filter { harness.log.last(harness.topic(meter, $0)) == nil }
        Issue.record("missing: \(missing)", sourceLocation: sourceLocation)
        return
    }
    let values = model.values(at: time)
    for key in keys {
        let payload = harness.log.last(harness.topic(meter, key))!
        guard let reading = PublishedReading(payload) else {
            Issue.record("\(key): not a reading: \(payload)", sourceLocation: sourceLocation)
            continue
        }
        let row = RegisterTable.pro380[key]!
        #expect(reading.unit == row.unit, "\(key) unit", sourceLocation: sourceLocation)
        #expect(reading.valueText == values[key]?.jsonFragment, "\(key): \(payload)", sourceLocation: sourceLocation)
    }
}

/// Checks that a fresh subscriber gets every key of `meter` as a retained message.
func expectRetained(
    _ harness: BridgeHarness,
    meter: String,
    keys: [String],
    sourceLocation: SourceLocation = #_sourceLocation
)
    async throws
{
    let late = try await MessageLog(port: harness.broker.port, filters: ["\(harness.base)/\(meter)/+"])
    await eventually("retained readings of \(meter)", sourceLocation: sourceLocation) {
        keys.allSatisfy { key in late.on(harness.topic(meter, key)).first?.message.retain == true }
    }
    #expect(late.last(harness.topic(meter, "availability")) == "online", sourceLocation: sourceLocation)
    await late.shutdown()
}

/// The function-03 requests of one unit, cut into polls: each full poll starts with the read at 0x4000.
func polls(_ requests: [ModbusWireTap.Frame], unit: UInt8 = 1) -> [[ModbusWireTap.Frame]] {
    var result: [[ModbusWireTap.Frame]] = []
    for frame in requests where frame.unit == unit && frame.function == 0x03 {
        if frame.address == 0x4000 || result.isEmpty { result.append([]) }
        result[result.count - 1].append(frame)
    }
    return result
}

/// The PRO1-only registers a PRO380 refuses.
let pro1OnlyRegisters: [Int] = RegisterTable.pro380.modbusReadable.filter { $0.modbus!.pro1Only }.flatMap {
    Array($0.modbus!.registers)
}
