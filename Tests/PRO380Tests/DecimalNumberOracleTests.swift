import Benchmarking
import CodecSupport
import Foundation
import Testing

@testable import PRO380

/// `DecimalNumber` against the former `Decimal` path (`FormerFormatting`): the same value and the same published
/// text for every single and scale the decoder meets, and for `Decimal`s from the other protocols and commands.
@Suite struct DecimalNumberOracleTests {
    static let scales: [Decimal] = [1, 1000, Decimal(string: "0.001")!, 10, Decimal(string: "0.1")!]

    @Test func randomSinglesMatchTheFormerPathAtEveryScale() throws {
        var generator = SplitMix64(seed: 0x5052_4F33_3830)
        var mismatches: [String] = []
        for index in 0..<60_000 {
            // Half of the patterns anywhere, half with the exponents a meter sends (about 1e-6 to 1e9).
            let bits =
                index.isMultiple(of: 2)
                ? UInt32.random(in: .min ... .max, using: &generator)
                : UInt32.random(in: 0x3500_0000...0x4F00_0000, using: &generator)
                    | (Bool.random(using: &generator) ? 0x8000_0000 : 0)
            let single = Float(bitPattern: bits)
            let scale = Self.scales[index % Self.scales.count]
            if let problem = try Self.compare(single, scale: scale) { mismatches.append(problem) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func goldenSinglesMatchTheFormerPath() throws {
        var singles: [Float] = [
            0, -0.0, 49.98, 230.3, 1.0125, -2.5, 100, 0.001, 1.5e-7, 5e-13, -5e-13, 4.9999e-13, 1.25e-12, -1.5e-12,
            2.5e-12, 1e-12, 123_456_792, 16_777_216, 1e10, -1e10, 3.402_823_5e38, -3.402_823_5e38,
            .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            .ulpOfOne, 1 - .ulpOfOne / 2, 0.1, 0.2, 0.3, 9_999_999, 32767, -32768,
        ]
        singles += (0...38).flatMap { exponent in [Float("1e\(exponent)")!, Float("-1e-\(exponent)")!] }
        for single in singles {
            for scale in Self.scales {
                let problem = try Self.compare(single, scale: scale)
                #expect(problem == nil)
            }
        }
    }

    @Test func publishedTextGoldenVectors() throws {
        let vectors: [(Float, Decimal, String)] = [
            (49.98, 1, "49.98"), (1.0125, 1000, "1012.5"), (-2.5, 1000, "-2500"), (100, 1, "100"),
            (1.5e-7, 1, "0.00000015"), (5e-13, 1, "0.000000000001"), (-5e-13, 1, "-0.000000000001"),
            (4.9999e-13, 1, "0"), (-.leastNonzeroMagnitude, 1, "0"), (-0.0, 1000, "0"), (1e10, 1000, "10000000000000"),
            (3.402_823_5e38, 1, "340282350000000000000000000000000000000"), (123_456_792, 1, "123456790"),
            (1.0125, Decimal(string: "0.001")!, "0.0010125"),
        ]
        for (single, scale, text) in vectors {
            let value = try #require(MeterValue(single: single)).scaled(by: scale)
            #expect(value.jsonFragment == text, "\(single) x \(scale)")
        }
        #expect(MeterValue(single: .nan) == nil)
        #expect(MeterValue(single: .infinity) == nil)
        #expect(MeterValue(single: -.infinity) == nil)
    }

    @Test func randomDecimalsMatchTheFormerRendering() {
        var generator = SplitMix64(seed: 13)
        for _ in 0..<20_000 {
            let digitCount = Int.random(in: 1...38, using: &generator)
            let digits = String((0..<digitCount).map { _ in "0123456789".randomElement(using: &generator)! })
            let exponent = Int.random(in: -60...60, using: &generator)
            let sign = Bool.random(using: &generator) ? "-" : ""
            guard let decimal = Decimal(string: "\(sign)\(digits)e\(exponent)") else { continue }
            let value = MeterValue.decimal(decimal)
            #expect(value.jsonFragment == FormerFormatting.text(decimal), "\(decimal)")
            #expect(value.exactDecimal == decimal, "\(decimal)")
            #expect(value.wholeNumber == FormerFormatting.wholeNumber(decimal), "\(decimal)")
        }
    }

    @Test func integersScaleAsBefore() {
        for n in [0, 1, -1, 32767, -32768, 12345] {
            for scale in Self.scales {
                let expected: MeterValue = scale == 1 ? .integer(n) : .decimal(Decimal(n) * scale)
                #expect(MeterValue.integer(n).scaled(by: scale) == expected)
                #expect(MeterValue.integer(n).scaled(by: scale).jsonFragment == expected.jsonFragment)
            }
        }
    }

    /// The differences between the new and the former path for one single and scale, or nil.
    static func compare(_ single: Float, scale: Decimal) throws -> String? {
        let new = MeterValue(single: single)?.scaled(by: scale)
        guard let old = FormerFormatting.decimal(single: single).map({ $0 * scale }) else {
            return new == nil ? nil : "\(single): former path had no value"
        }
        guard let new, case .decimal(let number) = new else { return "\(single): new path had no decimal" }
        var problems: [String] = []
        if new.jsonFragment != FormerFormatting.text(old) {
            problems.append("text \(new.jsonFragment) != \(FormerFormatting.text(old))")
        }
        if number.decimal != old { problems.append("value \(number.decimal) != \(old)") }
        if new != MeterValue.decimal(old) { problems.append("equality") }
        if new.hashValue != MeterValue.decimal(old).hashValue { problems.append("hash") }
        if new.wholeNumber != FormerFormatting.wholeNumber(old) { problems.append("whole number") }
        // The double is now correctly rounded (the nearest to the exact decimal, as `Double(String)` reads it); the
        // former came from NSDecimalNumber, a few units off in the last place for tiny values.
        let double = try #require(new.doubleValue)
        if double != Double("\(old)") {
            problems.append("double \(double)")
        }
        let formerDouble = NSDecimalNumber(decimal: old).doubleValue
        if abs(double - formerDouble) > abs(formerDouble) * 1e-12 { problems.append("double far from \(formerDouble)") }
        return problems.isEmpty ? nil : "\(single) (0x\(String(single.bitPattern, radix: 16))) x \(scale): \(problems)"
    }
}
