import Foundation

@testable import PRO380

/// The bridge's former decimal path, kept here only as the oracle for `DecimalNumber`: `Float.description` parsed
/// by `Decimal(string:)`, multiplied as `Decimal`, rounded by `NSDecimalRound` to 12 places, written by
/// `Decimal.description` (`-0` written `0`).
enum LegacyDecimalOracle {
    static func decimal(single: Float) -> Decimal? {
        guard single.isFinite else { return nil }
        return Decimal(string: single.description, locale: Locale(identifier: "en_US_POSIX"))
    }

    static func text(_ decimal: Decimal) -> String {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 12, .plain)
        let text = rounded.description
        return text == "-0" ? "0" : text
    }

    static func wholeNumber(_ decimal: Decimal) -> Int? {
        var d = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &d, 0, .plain)
        guard rounded == d, abs(d) < 1_000_000_000_000 else { return nil }
        return Int(NSDecimalNumber(decimal: d).int64Value)
    }
}

/// SplitMix64: a seeded generator, so a failing pattern can be found again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
