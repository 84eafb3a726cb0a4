/// An M-Bus secondary address, or a selection mask with wildcards (EN 13757-3, 11.4; manual A2.2 "Selecting slave
/// by secondary addressing").
///
/// Wire layout in the selection telegram (CI 52) and the fixed data header: identification number as 4 BCD bytes
/// least significant first, manufacturer 2 bytes least significant first, version 1 byte, medium 1 byte. A
/// wildcard is the nibble `F` in the identification, `FF FF` for the manufacturer, `FF` for version or medium.
package struct SecondaryAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Eight hex digits, most significant first: decimal digits for a meter, `F` for a wildcard digit.
    package var identification: String
    /// `nil` matches any manufacturer.
    package var manufacturer: ManufacturerCode?
    /// `nil` matches any version.
    package var version: UInt8?
    /// `nil` matches any medium (02 is electricity).
    package var medium: UInt8?

    /// - Throws: `MBusError.invalidAddress` unless `identification` is 8 characters of 0-9 and F.
    package init(
        identification: String,
        manufacturer: ManufacturerCode? = nil,
        version: UInt8? = nil,
        medium: UInt8? = nil
    ) throws {
        let digits = identification.uppercased()
        guard digits.count == 8, digits.allSatisfy({ $0.isNumber && $0.isASCII || $0 == "F" }) else {
            throw MBusError.invalidAddress("secondary address \"\(identification)\": need 8 digits 0-9 or F")
        }
        self.identification = digits
        self.manufacturer = manufacturer
        self.version = version
        self.medium = medium
    }

    /// The address read from a fixed data header (identification may hold any hex digits there).
    init(identificationBytes: [UInt8], manufacturer: ManufacturerCode, version: UInt8, medium: UInt8) {
        identification = identificationBytes.reversed().map { hex($0) }.joined()
        self.manufacturer = manufacturer
        self.version = version
        self.medium = medium
    }

    /// Matches every meter: the start of a wildcard search.
    package static let anyMeter = try! SecondaryAddress(identification: "FFFFFFFF")

    /// Whether any part is a wildcard.
    package var hasWildcards: Bool {
        identification.contains("F") || manufacturer == nil || version == nil || medium == nil
    }

    /// The 8 bytes of the selection telegram (and of the header's first 8 bytes).
    package var wireBytes: [UInt8] {
        let nibbles = identification.map { UInt8($0.hexDigitValue!) }
        let id = stride(from: 6, through: 0, by: -2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
        return id + (manufacturer?.wireBytes ?? [0xFF, 0xFF]) + [version ?? 0xFF, medium ?? 0xFF]
    }

    /// `13070042`, or `13070042 INM v01 medium 02` when the other parts are fixed.
    package var description: String {
        var parts = [identification]
        if let manufacturer { parts.append(manufacturer.letters) }
        if let version { parts.append("v\(hex(version))") }
        if let medium { parts.append("medium \(hex(medium))") }
        return parts.joined(separator: " ")
    }
}
