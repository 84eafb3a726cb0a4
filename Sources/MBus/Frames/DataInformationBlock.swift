/// The DIF and its DIFE chain (EN 13757-3, 6.3): how a record's data field is coded, which function, storage
/// number, tariff and subunit it belongs to.
///
/// DIF: `E S F F D D D D` (extension, storage number bit 0, function field, data field coding).
/// DIFE: `E U T T S S S S` (extension, subunit bit, two tariff bits, four storage number bits); each DIFE adds the
/// next higher bits. At most 10 DIFEs.
package struct DataInformationBlock: Sendable, Equatable, Hashable {
    /// The data field coding (DIF bits 0-3).
    package var coding: DataFieldCoding
    /// The function field (DIF bits 4-5): 0 instantaneous, 1 maximum, 2 minimum, 3 during error, by the standard.
    /// The PRO380 uses 0/1/2 for total/forward/reverse energy instead (manual A2.2); drivers map by this number.
    package var functionField: UInt8
    /// The storage number (0 = current value).
    package var storageNumber: UInt64
    /// The tariff (0 = total/none).
    package var tariff: UInt32
    /// The subunit (device unit).
    package var subunit: UInt16

    package init(
        coding: DataFieldCoding,
        functionField: UInt8 = 0,
        storageNumber: UInt64 = 0,
        tariff: UInt32 = 0,
        subunit: UInt16 = 0
    ) {
        self.coding = coding
        self.functionField = functionField
        self.storageNumber = storageNumber
        self.tariff = tariff
        self.subunit = subunit
    }

    /// The shortest DIF + DIFE chain carrying these fields (the PRO380's `8C 10` for tariff 1 of function 0).
    package var encoded: [UInt8] {
        var storage = storageNumber >> 1
        var tariff = tariff
        var subunit = subunit
        var bytes = [UInt8((storageNumber & 1) << 6) | (functionField & 0x03) << 4 | coding.rawValue]
        while storage != 0 || tariff != 0 || subunit != 0 {
            bytes[bytes.count - 1] |= 0x80
            bytes.append(UInt8(subunit & 1) << 6 | UInt8(tariff & 0x03) << 4 | UInt8(storage & 0x0F))
            storage >>= 4
            tariff >>= 2
            subunit >>= 1
        }
        return bytes
    }
}

/// The data field coding of a DIF (EN 13757-3, table 4).
package enum DataFieldCoding: UInt8, Sendable, Equatable, Hashable, CaseIterable {
    case noData = 0x0
    case int8 = 0x1
    case int16 = 0x2
    case int24 = 0x3
    case int32 = 0x4
    case real32 = 0x5
    case int48 = 0x6
    case int64 = 0x7
    case selectionForReadout = 0x8
    case bcd2 = 0x9
    case bcd4 = 0xA
    case bcd6 = 0xB
    case bcd8 = 0xC
    case variableLength = 0xD
    case bcd12 = 0xE

    /// The data field length in bytes; `nil` for variable length (an LVAR byte leads the data).
    package var length: Int? {
        switch self {
        case .noData, .selectionForReadout: return 0
        case .int8, .bcd2: return 1
        case .int16, .bcd4: return 2
        case .int24, .bcd6: return 3
        case .int32, .real32, .bcd8: return 4
        case .int48, .bcd12: return 6
        case .int64: return 8
        case .variableLength: return nil
        }
    }

    /// Whether the data is BCD (type A).
    package var isBCD: Bool { [.bcd2, .bcd4, .bcd6, .bcd8, .bcd12].contains(self) }

    /// Whether the data is a signed binary integer (type B).
    package var isInteger: Bool { [.int8, .int16, .int24, .int32, .int48, .int64].contains(self) }
}
