import Foundation
package import PRO380

/// The JSON payloads the bridge publishes for readings, written straight as UTF-8 bytes (what the outbox stores).
///
/// Written by hand rather than through `JSONValue` because it runs once per value and poll: numbers keep their
/// exact decimal form (`DecimalNumber`), and the readings of one reply share one time, formatted once.
package enum ReadingPayload {
    /// `{"value": 231.25, "unit": "V", "time": "2026-11-29T12:00:00.000Z"}`; `unit` is `null` for unitless keys.
    package static func json(_ reading: Reading) -> String {
        String(decoding: payloads([reading])[0], as: UTF8.self)
    }

    /// The payload of each reading, in order; the time text is formatted once per run of equal times.
    package static func payloads(_ readings: [Reading]) -> [[UInt8]] {
        var lastTime: Date?
        var timeText: [UInt8] = []
        return readings.map { reading in
            if reading.time != lastTime {
                lastTime = reading.time
                timeText.removeAll(keepingCapacity: true)
                Timestamp.write(reading.time, to: &timeText)
            }
            return payload(reading, timeText: timeText)
        }
    }

    private static func payload(_ reading: Reading, timeText: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + timeText.count)
        bytes.append(contentsOf: #"{"value": "#.utf8)
        reading.value.writeJSON(to: &bytes)
        bytes.append(contentsOf: #", "unit": "#.utf8)
        if let unit = reading.unit {
            JSONText.write(unit, to: &bytes)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        bytes.append(contentsOf: #", "time": ""#.utf8)
        bytes.append(contentsOf: timeText)
        bytes.append(contentsOf: #""}"#.utf8)
        return bytes
    }
}
