import Foundation
import Testing

@testable import Bridge

/// RFC 3339 parsing of command times (section 5.6), strict and crash-free on any text.
@Suite struct TimestampParsingTests {
    @Test(arguments: [
        ("2026-11-29T12:00:00Z", 1_795_953_600.0),
        ("2026-11-29t12:00:00z", 1_795_953_600.0),
        ("2026-11-29T12:00:00.5Z", 1_795_953_600.5),
        ("2026-11-29T12:00:00.250Z", 1_795_953_600.25),
        ("2026-11-29T12:00:00.123456789123Z", 1_795_953_600.123456789),
        ("2026-11-29T13:30:00+01:30", 1_795_953_600.0),
        ("2026-11-29T10:00:00-02:00", 1_795_953_600.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("2000-03-01T00:00:00Z", 951_868_800.0),
    ])
    func validTimestamps(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text): \(date.timeIntervalSince1970)")
    }

    @Test(arguments: [
        "", "yesterday", "2026-11-29", "2026-11-29T12:00:00", "2026-11-29T12:00Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T12:60:00Z",
        "2026-11-29T12:00:00.Z", "2026-11-29T12:00:00+1:00", "2026-11-29T12:00:00+01:00x", "26-11-29T12:00:00Z",
        "2026-11-29 12:00:00Z", "2026-11-29T12:00:00+24:00", "+2026-11-29T12:00:00Z",
        // Found by the command-payload fuzz target: Foundation's ISO 8601 parser died with SIGFPE on it.
        "2-5-2T12:0-1.7" + String(repeating: "1", count: 98) + "Z",
        "2026-11-29T12:00:00." + String(repeating: "9", count: 60) + "Z",
    ])
    func invalidTimestamps(text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }

    @Test func roundTripsWhatTheBridgePublishes() throws {
        for seconds in [0.0, 1_795_953_600.125, 4_102_444_799.999, 951_782_400.0] {
            let date = Date(timeIntervalSince1970: seconds)
            let parsed = try #require(Timestamp.parse(Timestamp.rfc3339(date)))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.001)
        }
    }
}
