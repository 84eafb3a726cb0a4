/// The VIF and its VIFE chain (EN 13757-3, 6.4): what a record's value means.
///
/// `vif` is the primary VIF without its extension bit (`0x04` is energy in 10 Wh, `0x7D` opens the FD table,
/// `0x7B` the FB table, `0x7C` a plain-text unit, `0x7F` manufacturer specific). `extensions` are the VIFE bytes
/// as sent, extension bits included. For VIF `7C` the unit text follows the VIFEs as a length byte and the
/// characters, last character first (EN 13757-3, 6.4.3).
package struct ValueInformationBlock: Sendable, Equatable, Hashable {
    /// The primary VIF, extension bit cleared.
    package var vif: UInt8
    /// The VIFE bytes, extension bits as on the wire (the encoder sets them anyway).
    package var extensions: [UInt8]
    /// The plain-text unit of VIF `7C` (`"T"` in the PRO380's tariff write `7C 01 54`).
    package var plainText: String?

    package init(vif: UInt8, extensions: [UInt8] = [], plainText: String? = nil) {
        self.vif = vif & 0x7F
        self.extensions = extensions
        self.plainText = plainText
    }

    /// A VIF from the FD (second extension) table: `FD 3A` dimensionless, `FD 60` reset counter.
    package static func fd(_ code: UInt8, _ more: [UInt8] = []) -> ValueInformationBlock {
        ValueInformationBlock(vif: 0x7D, extensions: [code] + more)
    }

    /// A VIF from the FB (first extension) table.
    package static func fb(_ code: UInt8, _ more: [UInt8] = []) -> ValueInformationBlock {
        ValueInformationBlock(vif: 0x7B, extensions: [code] + more)
    }

    /// The wire bytes: VIF, VIFEs (extension bits set on all but the last), then a plain-text unit if any.
    package var encoded: [UInt8] {
        var bytes = [vif | (extensions.isEmpty ? 0 : 0x80)]
        for (index, byte) in extensions.enumerated() {
            bytes.append(index == extensions.count - 1 ? byte & 0x7F : byte | 0x80)
        }
        if let plainText {
            let characters = Array(plainText.utf8)
            bytes.append(UInt8(characters.count))
            bytes.append(contentsOf: characters.reversed())
        }
        return bytes
    }

    /// What the VIF and VIFEs say about the value (quantity, unit, decimal exponent, qualifiers).
    package var valueDescription: ValueDescription { VIFTable.describe(self) }
}
