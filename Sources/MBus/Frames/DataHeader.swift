/// The header in front of the data records of a variable data structure (EN 13757-3, 5.4 and 5.5).
package enum DataHeader: Sendable, Equatable, Hashable {
    /// CI 72 (and 76): the 12-byte fixed data header.
    case long(FixedDataHeader)
    /// CI 7A: the 4-byte short header (access number, status, signature).
    case short(accessNumber: UInt8, status: UInt8, signature: UInt16)
    /// CI 78: no header.
    case none

    /// The access number, which advances with every new telegram.
    package var accessNumber: UInt8? {
        switch self {
        case .long(let header): return header.accessNumber
        case .short(let accessNumber, _, _): return accessNumber
        case .none: return nil
        }
    }
}

/// The 12-byte fixed data header of CI 72 (EN 13757-3, 5.5; manual A2.2 "Header").
///
/// Layout: identification 4 BCD bytes (least significant first), manufacturer 2 bytes (least significant first),
/// version, medium, access number, status, signature 2 bytes. The PRO380 sends manufacturer INM, medium 02
/// (electricity), status 00 (02 on error) and signature 00 00.
package struct FixedDataHeader: Sendable, Equatable, Hashable {
    /// Identification, manufacturer, version and medium: the meter's secondary address.
    package var address: SecondaryAddress
    /// Counts the telegrams the meter has sent (wraps at 255).
    package var accessNumber: UInt8
    /// Status byte (EN 13757-3, table 5): bits 0-1 application errors, 2 power low, 3 permanent, 4 temporary.
    package var status: UInt8
    /// Signature (encryption), 0 when unused.
    package var signature: UInt16

    package init(address: SecondaryAddress, accessNumber: UInt8, status: UInt8 = 0, signature: UInt16 = 0) {
        self.address = address
        self.accessNumber = accessNumber
        self.status = status
        self.signature = signature
    }

    /// The medium code for electricity.
    package static let electricity: UInt8 = 0x02
}
