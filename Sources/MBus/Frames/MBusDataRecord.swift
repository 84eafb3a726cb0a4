package import Foundation

/// One data record of a variable data structure (EN 13757-3, 6.2): DIB, VIB and the value.
///
/// Drivers pick records by `(dib.functionField, dib.tariff, vib.vif)`, the key of `MBusRecordMapping` in the PRO380
/// table; unknown records are still described by `vib.valueDescription`.
package struct MBusDataRecord: Sendable, Equatable, Hashable {
    package var dib: DataInformationBlock
    package var vib: ValueInformationBlock
    package var value: MBusValue

    package init(dib: DataInformationBlock, vib: ValueInformationBlock, value: MBusValue) {
        self.dib = dib
        self.vib = vib
        self.value = value
    }

    /// The value in the description's unit: `raw × 10^exponent + offset`, exact; `nil` unless `.number`.
    /// The manual's `0C 04 14 48 60 01` gives 16048140 (Wh).
    package var scaledValue: Decimal? {
        guard let raw = value.number else { return nil }
        let description = vib.valueDescription
        var scaled = raw * Decimal(sign: .plus, exponent: description.exponent, significand: 1)
        if let offset = description.offset { scaled += offset }
        return scaled
    }
}
