/// The application data of a RSP_UD (EN 13757-3, clause 6): header, data records, and what ends them.
///
/// CI 72 carries the 12-byte fixed header, 7A a short header, 78 none; CI 76 is CI 72 with multi-byte fields
/// most significant byte first (mode 2). Records end at the end of the frame or at DIF `0F` (manufacturer
/// specific data follow) or `1F` (the same, and more records follow in the next telegram).
package struct VariableDataStructure: Sendable, Equatable, Hashable {
    /// The CI field the structure came with (or is sent with).
    package var ci: UInt8
    package var header: DataHeader
    package var records: [MBusDataRecord]
    /// The bytes after DIF 0F/1F, not interpreted.
    package var manufacturerData: [UInt8]
    /// DIF 1F ended the records: the meter has another telegram.
    package var moreRecordsFollow: Bool

    package init(
        ci: UInt8 = ControlInformation.variableDataResponse,
        header: DataHeader,
        records: [MBusDataRecord],
        manufacturerData: [UInt8] = [],
        moreRecordsFollow: Bool = false
    ) {
        self.ci = ci
        self.header = header
        self.records = records
        self.manufacturerData = manufacturerData
        self.moreRecordsFollow = moreRecordsFollow
    }
}

/// CI field values this module speaks (EN 13757-3, table 1; manual A2.2).
package enum ControlInformation {
    /// 51: data send (master to slave), the PRO380's writes.
    package static let dataSend: UInt8 = 0x51
    /// 52: selection of a slave by secondary address.
    package static let selection: UInt8 = 0x52
    /// 72: variable data response, fixed 12-byte header, LSB first.
    package static let variableDataResponse: UInt8 = 0x72
    /// 76: variable data response, fixed header, MSB first (mode 2).
    package static let variableDataResponseMSBFirst: UInt8 = 0x76
    /// 78: variable data response without header.
    package static let variableDataResponseNoHeader: UInt8 = 0x78
    /// 7A: variable data response with the short header.
    package static let variableDataResponseShortHeader: UInt8 = 0x7A
    /// B8 ... BD: set baud rate to 300, 600, 1200, 2400, 4800, 9600.
    package static let baudRates: [Int] = [300, 600, 1200, 2400, 4800, 9600]

    /// The CI that switches a slave to `baudRate`, or `nil` when M-Bus has none for it.
    package static func baudRateChange(to baudRate: Int) -> UInt8? {
        baudRates.firstIndex(of: baudRate).map { 0xB8 + UInt8($0) }
    }
}
