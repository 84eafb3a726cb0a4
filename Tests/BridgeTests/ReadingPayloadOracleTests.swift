import Benchmarking
import CodecSupport
import Foundation
import PRO380
import Testing

@testable import Bridge

/// Timestamps and reading payloads against the bridge's former writers (kept here only as the oracle):
/// `FormerFormatting` (`gmtime_r` with `String(format:)`), and the payload built as a `JSONValue`.
@Suite struct ReadingPayloadOracleTests {
    static func legacyPayload(_ reading: Reading) -> String {
        JSONValue.object([
            ("value", JSONValue(reading.value)),
            ("unit", .string(reading.unit)),
            ("time", .string(FormerFormatting.rfc3339(reading.time))),
        ]).text(.spaced)
    }

    @Test func timestampsMatchGmtimeAtChosenInstants() {
        let iso = [
            0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 4_107_542_400_000,
            2_147_483_647_000, 2_147_483_648_000, 4_102_444_800_000, 253_402_300_799_999, 253_402_300_800_000,
            -1, -999, -1000, -1001, -86_400_000, -2_208_988_800_000, -62_135_596_800_000,
        ]
        for milliseconds in iso {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(Timestamp.rfc3339(date) == FormerFormatting.rfc3339(date), "\(milliseconds) ms")
        }
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 2_147_483_648)) == "2038-01-19T03:14:08.000Z")
    }

    @Test func randomInstantsMatchGmtime() {
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for index in 0..<100_000 {
            let seconds: Double
            switch index % 4 {
            // Whole milliseconds, then anything, up to the year 9999 and back to 1900.
            case 0:
                seconds = Double(Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &generator)) / 1000
            case 1: seconds = Double.random(in: -2_208_988_800...253_402_300_799, using: &generator)
            // Near millisecond and second boundaries of today's instants.
            case 2: seconds = Double(Int64.random(in: 1_700_000_000...2_200_000_000, using: &generator)) + 0.999_999_9
            default:
                seconds =
                    Double(Int64.random(in: 1_700_000_000_000...2_200_000_000_000, using: &generator)) / 1000 - 1e-7
            }
            let date = Date(timeIntervalSince1970: seconds)
            if Timestamp.rfc3339(date) != FormerFormatting.rfc3339(date) {
                mismatches.append("\(seconds): \(Timestamp.rfc3339(date)) != \(FormerFormatting.rfc3339(date))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func payloadsMatchTheJSONValueWriter() throws {
        let time = Date(timeIntervalSince1970: 1_764_417_600.25)
        var readings = [
            Reading(key: "voltage_l1", value: try #require(MeterValue(single: 231.25)), unit: "V", time: time),
            Reading(key: "serial_number", value: .text("13070042"), unit: nil, time: time),
            Reading(key: "tariff", value: .integer(2), unit: nil, time: time),
            Reading(key: "note", value: .text("a \"quoted\"\\ line\n\u{1}"), unit: "°C", time: time),
            Reading(key: "rate", value: .decimal(Decimal(string: "0.0000000000005")!), unit: "kWh", time: time),
        ]
        var generator = SplitMix64(seed: 2026)
        for index in 0..<2000 {
            let single = Float(bitPattern: UInt32.random(in: .min ... .max, using: &generator))
            guard let value = MeterValue(single: single) else { continue }
            // Runs of equal times, as the readings of one reply, then a new time.
            let instant = time.addingTimeInterval(Double(index / 7) * 0.1)
            readings.append(Reading(key: "k\(index)", value: value.scaled(by: 1000), unit: "W", time: instant))
        }
        let payloads = ReadingPayload.payloads(readings)
        #expect(payloads.count == readings.count)
        for (reading, payload) in zip(readings, payloads) {
            #expect(String(decoding: payload, as: UTF8.self) == Self.legacyPayload(reading))
            #expect(ReadingPayload.json(reading) == Self.legacyPayload(reading))
        }
    }
}
