/// Which meter a request goes to: by primary address (0 ... 250, or 254 for a lone meter) or by secondary address
/// (selection with CI 52, then address 253).
package enum MBusAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    case primary(UInt8)
    case secondary(SecondaryAddress)

    package var description: String {
        switch self {
        case .primary(let address): return "primary address \(address)"
        case .secondary(let address): return "secondary address \(address)"
        }
    }
}

/// A whole readout: every telegram of a multi-telegram answer joined.
package struct MBusReading: Sendable, Equatable {
    package var address: MBusAddress
    /// The first telegram's header (identification, manufacturer, version, medium, access number, status).
    package var header: DataHeader
    /// The records of every telegram, in order.
    package var records: [MBusDataRecord]
    /// The manufacturer-specific bytes of every telegram, joined.
    package var manufacturerData: [UInt8]
    /// How many telegrams the readout took.
    package var telegramCount: Int

    package init(
        address: MBusAddress,
        header: DataHeader,
        records: [MBusDataRecord],
        manufacturerData: [UInt8] = [],
        telegramCount: Int = 1
    ) {
        self.address = address
        self.header = header
        self.records = records
        self.manufacturerData = manufacturerData
        self.telegramCount = telegramCount
    }
}
