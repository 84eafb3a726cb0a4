import Foundation
import Testing

@testable import Bridge

/// `JSONValue.fixed`, the diagnostics' numbers with a fixed count of decimals, against C's `printf` (`%.Nf`) as the
/// oracle: the same text for every value that is not a tie (printf rounds an exact tie to even, `fixed` away from
/// zero); NaN and infinities are `null`.
@Suite struct FixedDecimalsTests {
    @Test func matchesPrintfOffTies() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, 0.04, 0.05001, 0.96, 0.99, 1, 9.96, 12.34, 99.999, 123_456.789, 1e12 + 0.4, -0.04]
        values += [-1.25001, -3.14159, -12.96, 2_147_483_647.5001]
        for _ in 0..<2000 {
            values.append(Double.random(in: -100_000...100_000, using: &generator))
            values.append(Double.random(in: 0...2, using: &generator))
        }
        for value in values {
            for digits in 0...3 {
                let expected = String(format: "%.\(digits)f", value)
                // Ties (and values a hair from one) round differently by design; printf's "-0.0" is written "0.0".
                let scaled = value.magnitude * pow(10, Double(digits))
                if abs(scaled - scaled.rounded(.down) - 0.5) < 1e-6 { continue }
                let oracle = expected.hasPrefix("-") && Double(expected) == 0 ? String(expected.dropFirst()) : expected
                #expect(JSONValue.fixed(value, digits: digits) == .number(oracle), "\(value) with \(digits) digits")
            }
        }
    }

    @Test func tiesRoundAwayFromZeroAndNonFiniteIsNull() {
        #expect(JSONValue.fixed(0.5, digits: 0) == .number("1"))
        #expect(JSONValue.fixed(-2.5, digits: 0) == .number("-3"))
        #expect(JSONValue.fixed(12.25, digits: 1) == .number("12.3"))
        #expect(JSONValue.fixed(7, digits: 3) == .number("7.000"))
        #expect(JSONValue.fixed(0.001, digits: 3) == .number("0.001"))
        #expect(JSONValue.fixed(.nan, digits: 1) == .null)
        #expect(JSONValue.fixed(-.infinity, digits: 1) == .null)
        #expect(JSONValue.fixed(1e300, digits: 1) == .number("1e+300"))
    }
}
