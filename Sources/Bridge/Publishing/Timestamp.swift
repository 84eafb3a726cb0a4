package import Foundation

/// RFC 3339 UTC timestamps with milliseconds: `2026-11-29T12:00:00.000Z`.
///
/// Written digit by digit (the proleptic Gregorian calendar from days since 1970, as `gmtime_r` counts them) rather
/// than with `String(format:)`, which went through CoreFoundation's formatter for every published value.
package enum Timestamp {
    /// `date` rounded down to the millisecond.
    package static func rfc3339(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        write(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `rfc3339(date)` as UTF-8.
    package static func write(_ date: Date, to bytes: inout [UInt8]) {
        let millisecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        // The second and millisecond split truncates toward zero, as the bridge always did (a negative millisecond
        // part before 1970 prints as `-01`, like `%03d`).
        let seconds = millisecondsSinceEpoch / 1000
        let milliseconds = millisecondsSinceEpoch - seconds * 1000
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(daysSince1970: days)
        append(year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(month, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 3600 / 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        append(milliseconds, width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Parses RFC 3339 (`2026-11-29T12:00:00Z`, with or without fractions, `Z` or `±hh:mm`); nil otherwise.
    package static func parse(_ text: String) -> Date? {
        RFC3339Parser.parse(text)
    }

    /// Year, month (1-12) and day (1-31) of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civil(daysSince1970 days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let (era, dayOfEra) = floorDivision(shifted, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a / b - (a % b < 0 ? 1 : 0)
        return (quotient, a - quotient * b)
    }

    /// `n` as `printf`'s `%0<width>d`: zero-padded to `width` characters, the sign counting as one.
    private static func append(_ n: Int64, width: Int, to bytes: inout [UInt8]) {
        var width = width
        if n < 0 {
            bytes.append(UInt8(ascii: "-"))
            width -= 1
        }
        let magnitude = n.magnitude
        var divisor: UInt64 = 1
        var count = 1
        while magnitude / divisor >= 10 {
            divisor *= 10
            count += 1
        }
        if width > count { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }
}
