package import Foundation

/// A data value read as a number or a text, in the bridge's published unit.
///
/// A value that reads as a decimal number (`001234.567`, `-0.5`, `00`) becomes an exact Foundation `Decimal`
/// (no binary floating point in between); anything else (`23-01-01 12:00`, `MT174`) stays text. Units are
/// converted to the vocabulary's (`docs/vocabulary.md`): kW → W (× 1000), Wh → kWh (÷ 1000), kvar → var, varh →
/// kvarh, kVA → VA, VAh → kVAh, MWh → kWh; kWh, kvarh, V, A, Hz and unknown units pass unchanged. A text value
/// keeps its unit as sent.
package struct NormalizedValue: Sendable, Equatable, Hashable {
    /// A number or a text.
    package enum Value: Sendable, Equatable, Hashable {
        case number(Decimal)
        case text(String)
    }

    package var value: Value
    /// The published unit, `nil` when the data value had none.
    package var unit: String?

    package init(value: Value, unit: String?) {
        self.value = value
        self.unit = unit
    }

    /// Reads `dataValue` and converts its unit.
    package init(_ dataValue: DataValue) {
        let unit = dataValue.unit.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let number = Self.decimal(dataValue.value.trimmingCharacters(in: .whitespaces)) else {
            self.init(value: .text(dataValue.value), unit: unit)
            return
        }
        guard let unit, let conversion = Self.conversion(for: unit) else {
            self.init(value: .number(number), unit: unit)
            return
        }
        self.init(value: .number(number * conversion.factor), unit: conversion.unit)
    }

    /// The decimal a value reads as: an optional sign, digits, optionally a point and more digits.
    package static func decimal(_ text: String) -> Decimal? {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        return Decimal(
            string: text.hasPrefix("+") ? String(text.dropFirst()) : text,
            locale: Locale(identifier: "en_US_POSIX")
        )
    }

    /// The factor and published unit for a unit as a meter writes it; `nil` when it passes unchanged.
    package static func conversion(for unit: String) -> (factor: Decimal, unit: String)? {
        if let exact = conversions[unit] { return exact }
        return upperCaseConversions[unit]
    }

    private static let milli = Decimal(sign: .plus, exponent: -3, significand: 1)

    private static let conversions: [String: (factor: Decimal, unit: String)] = [
        "kW": (1000, "W"), "MW": (1_000_000, "W"),
        "Wh": (milli, "kWh"), "MWh": (1000, "kWh"),
        "kvar": (1000, "var"), "varh": (milli, "kvarh"),
        "kVA": (1000, "VA"), "VAh": (milli, "kVAh"),
        "kV": (1000, "V"),
    ]

    /// Units some meters send in capitals; only spellings without a milli/mega ambiguity.
    private static let upperCaseConversions: [String: (factor: Decimal, unit: String)] = [
        "KW": (1000, "W"), "KWH": (1, "kWh"), "WH": (milli, "kWh"),
        "KVAR": (1000, "var"), "KVARH": (1, "kvarh"), "VARH": (milli, "kvarh"),
        "KVA": (1000, "VA"), "HZ": (1, "Hz"),
    ]
}

extension DataSet {
    /// The first value, normalized: what a data set publishes (later values are timestamps or list entries).
    package var normalizedValue: NormalizedValue? { values.first.map(NormalizedValue.init) }
}
