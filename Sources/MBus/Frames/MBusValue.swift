package import Foundation

/// The value of one data record, as read: unscaled (apply `ValueDescription.exponent` via
/// `MBusDataRecord.scaledValue`).
package enum MBusValue: Sendable, Equatable, Hashable {
    /// Data field coding 0 or 8: the record carries no value.
    case none
    /// An integer (type B), BCD (type A) or real (type H, via its shortest decimal) value, exact.
    case number(Decimal)
    /// Variable-length ASCII text (characters sent last first, stored in reading order).
    case text(String)
    /// A date (type G, VIF 6C) or date and time (type F, VIF 6D).
    case date(MBusDate)
    /// Bytes without a numeric reading: variable-length binary, or fixed-length bytes for fault injection.
    case bytes([UInt8])
    /// The record's data is not a valid value (a BCD digit A to E, a real that is NaN); never publish it.
    case invalid(reason: String)

    /// The number, if the value is one.
    package var number: Decimal? {
        if case .number(let value) = self { return value }
        return nil
    }
}

/// An M-Bus date (type G) or date and time (type F, minutes resolution).
package struct MBusDate: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var year: Int
    package var month: Int
    package var day: Int
    /// `nil` for a type G date.
    package var hour: Int?
    package var minute: Int?

    package init(year: Int, month: Int, day: Int, hour: Int? = nil, minute: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    package var description: String {
        let date = String(format: "%04d-%02d-%02d", year, month, day)
        guard let hour, let minute else { return date }
        return date + String(format: "T%02d:%02d", hour, minute)
    }
}
