package import Foundation

/// An exact decimal `±significand × 10^exponent`, the number inside `MeterValue.decimal`.
///
/// Why not `Foundation.Decimal`: a reading is made and written once per value and poll, and `Decimal` costs
/// microseconds for each step (parsing, multiplying, rounding, `description`) while its digits are not readable
/// from outside Foundation on Linux. This keeps the same values (every finite `Decimal` converts exactly: its
/// mantissa is at most 128 bits) as plain integers, so scaling by a power of ten is an exponent change and writing
/// is digit arithmetic (`docs/performance.md`, "Ranked").
///
/// Always normalized: no trailing zero digit in `significand`, and zero is `0 × 10^0`, never negative; so the
/// synthesized `==` and hash compare values (`1.50 == 1.5`), as `Decimal`'s did.
package struct DecimalNumber: Sendable, Hashable, CustomStringConvertible {
    /// The sign; `false` for zero.
    package private(set) var isNegative: Bool
    /// The digits, without trailing zeros (0 for zero).
    package private(set) var significand: UInt128
    /// The power of ten the significand is multiplied by.
    package private(set) var exponent: Int

    /// `±significand × 10^exponent`, normalized.
    package init(isNegative: Bool, significand: UInt128, exponent: Int) {
        var significand = significand
        var exponent = exponent
        if significand == 0 {
            self.isNegative = false
            self.significand = 0
            self.exponent = 0
            return
        }
        if var small = UInt64(exactly: significand) {
            while small % 10 == 0 {
                small /= 10
                exponent += 1
            }
            significand = UInt128(small)
        } else {
            while significand % 10 == 0 {
                significand /= 10
                exponent += 1
            }
        }
        self.isNegative = isNegative
        self.significand = significand
        self.exponent = exponent
    }

    /// An integer.
    package init(_ integer: Int) {
        self.init(isNegative: integer < 0, significand: UInt128(integer.magnitude), exponent: 0)
    }

    /// The shortest decimal that reads back to `single` (the digits of `Float.description`, Swift's shortest
    /// round-trip form), or `nil` for NaN and infinities.
    package init?(single: Float) {
        guard single.isFinite else { return nil }
        self.init(decimalText: single.description)
    }

    /// The value of `decimal`, exactly; `nil` for NaN.
    package init?(_ decimal: Decimal) {
        guard !decimal.isNaN else { return nil }
        self.init(decimalText: decimal.description)
    }

    /// The value as a `Decimal` (exact while the exponent is within `Decimal`'s -128...127).
    package var decimal: Decimal {
        let digits = UInt64(exactly: significand).map { Decimal($0) } ?? Decimal(string: String(significand)) ?? .nan
        return Decimal(sign: isNegative ? .minus : .plus, exponent: exponent, significand: digits)
    }

    /// The nearest double (correctly rounded), for plausibility checks and comparisons.
    package var doubleValue: Double {
        let magnitude: Double
        // Exact significand and power of ten, one rounding: the classic fast path of strtod.
        if significand < 1 << 53, (-22...22).contains(exponent) {
            let power = Self.powersOfTen[abs(exponent)]
            // Through UInt64 (exact below 2^53): one instruction, where `Double(UInt128)` is the standard
            // library's generic conversion, 2 % of the bridge's CPU in a profile.
            let digits = Double(UInt64(truncatingIfNeeded: significand))
            magnitude = exponent < 0 ? digits / power : digits * power
        } else {
            magnitude = Double("\(significand)e\(exponent)") ?? .nan
        }
        return isNegative ? -magnitude : magnitude
    }

    /// `self × factor`, exact; `nil` when the digits do not fit 128 bits.
    package func multiplied(by factor: DecimalNumber) -> DecimalNumber? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: factor.significand)
        guard !overflow else { return nil }
        return DecimalNumber(
            isNegative: isNegative != factor.isNegative,
            significand: product,
            exponent: exponent + factor.exponent
        )
    }

    /// The published text (`docs/vocabulary.md`): plain notation (`0.00015`, `340282350000000000000000000000000000000`),
    /// rounded half away from zero to 12 decimals, `0` rather than `-0`.
    package var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let powersOfTen: [Double] = (0...22).map { Double("1e\($0)")! }
}
