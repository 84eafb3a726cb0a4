package import Foundation
package import PRO380

/// The JSON payloads the bridge publishes, written by hand so numbers keep their exact decimal form.
package enum ReadingPayload {
    /// `{"value": 231.25, "unit": "V", "time": "2026-11-29T12:00:00.000Z"}`; `unit` is `null` for unitless keys.
    package static func json(_ reading: Reading) -> String {
        JSONValue.object([
            ("value", JSONValue(reading.value)),
            ("unit", .string(reading.unit)),
            ("time", .string(Timestamp.rfc3339(reading.time))),
        ]).text(.spaced)
    }
}

/// RFC 3339 UTC timestamps with milliseconds: `2026-11-29T12:00:00.000Z`.
package enum Timestamp {
    package static func rfc3339(_ date: Date) -> String {
        let millisecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millisecondsSinceEpoch / 1000)
        let milliseconds = Int(millisecondsSinceEpoch - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            milliseconds
        )
    }

    /// Parses RFC 3339 (`2026-11-29T12:00:00Z`, with or without fractions, `Z` or `±hh:mm`); nil otherwise.
    package static func parse(_ text: String) -> Date? {
        RFC3339Parser.parse(text)
    }
}

#if canImport(Glibc)
import Glibc
#endif
