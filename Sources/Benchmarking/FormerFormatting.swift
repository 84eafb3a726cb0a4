package import Foundation

/// The bridge's per-reading formatting before issue 13 part 2, kept as the baseline of `pro380-mqtt bench payload`
/// and as the oracle the tests compare `DecimalNumber` and `Timestamp` with (one copy for both). Not used by the
/// bridge.
package enum FormerFormatting {
    /// A single as it was read: `Float.description` parsed by `Decimal(string:)`; `nil` for NaN and infinities.
    package static func decimal(single: Float) -> Decimal? {
        guard single.isFinite else { return nil }
        return Decimal(string: single.description, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// A decimal as it was published: rounded by `NSDecimalRound` to 12 places, written by `Decimal.description`,
    /// `-0` written `0`.
    package static func text(_ decimal: Decimal) -> String {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 12, .plain)
        let text = rounded.description
        return text == "-0" ? "0" : text
    }

    /// The whole number a decimal was taken for (`2`, `2.0`), or `nil`.
    package static func wholeNumber(_ decimal: Decimal) -> Int? {
        var d = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &d, 0, .plain)
        guard rounded == d, abs(d) < 1_000_000_000_000 else { return nil }
        return Int(NSDecimalNumber(decimal: d).int64Value)
    }

    /// An instant as it was published: `gmtime_r` and `String(format:)`, milliseconds rounded down.
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
}
