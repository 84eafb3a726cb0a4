package import Foundation

/// What a record's value is: quantity, SI-style unit and the power of ten to apply (EN 13757-3, tables 10-14).
///
/// The true value is `raw × 10^exponent + offset` in `unit` (see `MBusDataRecord.scaledValue`). VIFE
/// multiplicative corrections (`E111 0nnn` = 10^(nnn-6), `E111 1101` = 10^3) are already folded into `exponent`;
/// an additive correction (`E111 10nn` = 10^(nn-3) in the VIF's unit) is `offset`. Other VIFEs are listed in
/// `qualifiers` (`per_hour`, `uncorrected`, `record_error_05`, ...).
package struct ValueDescription: Sendable, Equatable, Hashable {
    /// snake_case quantity: `energy`, `power`, `volume`, `on_time`, `dimensionless`, `reset_counter`, ...;
    /// `fd_XX` / `fb_XX` / `vif_XX` for codes without a name here.
    package var quantity: String
    /// `Wh`, `J`, `W`, `m3`, `kg`, `s`, `°C`, `K`, `bar`, `V`, `A`, a plain-text unit, or `nil`.
    package var unit: String?
    /// The power of ten the raw value is multiplied by.
    package var exponent: Int
    /// The additive correction, already in `unit` (not scaled by `exponent`).
    package var offset: Decimal?
    /// Further meaning from combinable VIFEs.
    package var qualifiers: [String]

    package init(
        quantity: String,
        unit: String? = nil,
        exponent: Int = 0,
        offset: Decimal? = nil,
        qualifiers: [String] = []
    ) {
        self.quantity = quantity
        self.unit = unit
        self.exponent = exponent
        self.offset = offset
        self.qualifiers = qualifiers
    }
}
