/// A three-letter manufacturer code (EN 13757-3, 5.5; the FLAG association's list): each letter minus 64 in five
/// bits, packed into 15 bits, sent least significant byte first.
///
/// "INM" (Inepro Metering) is `0x25CD`, on the wire `CD 25`. The manual prints `25 CD`; read in wire order that is
/// `0xCD25`, which unpacks to "SIE" (Siemens), and the frame checksum cannot notice the swap, so clients compare the
/// decoded code with the expected one.
package struct ManufacturerCode: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    package var rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The code of three letters A to Z; `nil` for anything else.
    package init?(_ letters: String) {
        let scalars = Array(letters.uppercased().unicodeScalars)
        guard scalars.count == 3, scalars.allSatisfy({ (65...90).contains($0.value) }) else { return nil }
        rawValue = scalars.reduce(UInt16(0)) { $0 << 5 | UInt16($1.value - 64) }
    }

    /// Inepro Metering, the PRO380's maker.
    package static let inepro = ManufacturerCode(rawValue: 0x25CD)

    /// The three letters (a code outside A to Z shows as `?`).
    package var letters: String {
        let values = [(rawValue >> 10) & 0x1F, (rawValue >> 5) & 0x1F, rawValue & 0x1F]
        return String(values.map { (1...26).contains($0) ? Character(UnicodeScalar(UInt8($0 + 64))) : "?" })
    }

    /// The two bytes as sent, least significant first.
    package var wireBytes: [UInt8] { [UInt8(rawValue & 0xFF), UInt8(rawValue >> 8)] }

    package var description: String { letters }
}
