/// One data set of a data block: `address(value*unit)`, possibly with further values `(value*unit)(value)`.
///
/// IEC 62056-21 clause 6.4 (data block, data line, data set). The address is kept exactly as sent (`1.8.0`,
/// `1-0:1.8.0*255`, `F.F`, `C.1.0`); `OBISCode` interprets it. Values that follow without an address, on the same
/// line or on continuation lines that start with `(`, belong to the data set before them.
package struct DataSet: Sendable, Equatable, Hashable {
    /// The address as sent.
    package var address: String
    /// The values in order; at least one.
    package var values: [DataValue]

    package init(address: String, values: [DataValue]) {
        self.address = address
        self.values = values
    }

    /// A data set with one value.
    package init(address: String, value: String, unit: String? = nil) {
        self.init(address: address, values: [DataValue(value: value, unit: unit)])
    }

    /// The address as an OBIS code, or `nil` when it does not read as one.
    package var obisCode: OBISCode? { OBISCode(address) }
}

/// The contents of one pair of parentheses: `value*unit` or `value`.
package struct DataValue: Sendable, Equatable, Hashable {
    /// The value as sent (up to 32 characters by the standard; `001234.567`, `00`, `23-01-01 12:00`).
    package var value: String
    /// The unit as sent (`kWh`, `V`), `nil` when the value had none.
    package var unit: String?

    package init(value: String, unit: String? = nil) {
        self.value = value
        self.unit = unit.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Splits the text inside the parentheses at the first `*`.
    package init(parenthesised text: Substring) {
        if let star = text.firstIndex(of: "*") {
            self.init(value: String(text[..<star]), unit: String(text[text.index(after: star)...]))
        } else {
            self.init(value: String(text))
        }
    }
}
