/// Decodes the data of a RSP_UD long frame into a `VariableDataStructure` (EN 13757-3, clauses 5 and 6). Pure.
///
/// A record whose value is bad (a BCD digit A to E) decodes as `.invalid` and the rest of the telegram still
/// decodes; a record whose length cannot be known, or a telegram that ends inside a record, throws.
package enum VariableDataDecoder {
    /// - Parameters:
    ///   - ci: the frame's CI field (72, 76, 78 or 7A).
    ///   - data: the frame's data after the CI field.
    /// - Throws: `MBusError.unsupportedControlInformation`, `.truncatedTelegram`, `.malformedDataRecord`.
    package static func decode(ci: UInt8, data: [UInt8]) throws -> VariableDataStructure {
        var reader = ByteReader(data)
        let msbFirst = ci == ControlInformation.variableDataResponseMSBFirst
        let header: DataHeader
        switch ci {
        case ControlInformation.variableDataResponse, ControlInformation.variableDataResponseMSBFirst:
            header = .long(try decodeFixedHeader(&reader, msbFirst: msbFirst))
        case ControlInformation.variableDataResponseShortHeader:
            let access = try reader.byte(for: "short header")
            let status = try reader.byte(for: "short header")
            let signature = try reader.take(2, for: "short header")
            header = .short(
                accessNumber: access,
                status: status,
                signature: UInt16(signature[0]) | UInt16(signature[1]) << 8
            )
        case ControlInformation.variableDataResponseNoHeader:
            header = .none
        default:
            throw MBusError.unsupportedControlInformation(ci)
        }
        var structure = VariableDataStructure(ci: ci, header: header, records: [])
        while !reader.isAtEnd {
            let dif = reader.peek()
            switch dif {
            case 0x2F:
                try reader.skip(1, for: "idle filler")
                continue
            case 0x0F, 0x1F:
                try reader.skip(1, for: "DIF")
                structure.manufacturerData = reader.rest()
                structure.moreRecordsFollow = dif == 0x1F
                return structure
            case 0x3F, 0x4F, 0x5F, 0x6F:
                throw MBusError.malformedDataRecord(offset: reader.offset, reason: "reserved DIF \(hex(dif))")
            default:
                structure.records.append(try DataRecordDecoder.decode(&reader, msbFirst: msbFirst))
            }
        }
        return structure
    }

    private static func decodeFixedHeader(_ reader: inout ByteReader, msbFirst: Bool) throws -> FixedDataHeader {
        var id = try reader.take(4, for: "fixed header")
        var manufacturer = try reader.take(2, for: "fixed header")
        let versionMedium = try reader.take(2, for: "fixed header")
        let accessStatus = try reader.take(2, for: "fixed header")
        var signature = try reader.take(2, for: "fixed header")
        if msbFirst {
            id.reverse()
            manufacturer.reverse()
            signature.reverse()
        }
        return FixedDataHeader(
            address: SecondaryAddress(
                identificationBytes: id,
                manufacturer: ManufacturerCode(rawValue: UInt16(manufacturer[0]) | UInt16(manufacturer[1]) << 8),
                version: versionMedium[0],
                medium: versionMedium[1]
            ),
            accessNumber: accessStatus[0],
            status: accessStatus[1],
            signature: UInt16(signature[0]) | UInt16(signature[1]) << 8
        )
    }
}

/// Reads a telegram front to back; running out of bytes throws `MBusError.truncatedTelegram`.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    func peek() -> UInt8 { bytes[offset] }

    /// The next byte. - Throws: `MBusError.truncatedTelegram` at the end.
    mutating func byte(for reason: String) throws -> UInt8 {
        guard offset < bytes.count else {
            throw MBusError.truncatedTelegram(offset: offset, needed: 1, reason: reason)
        }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Steps over `count` bytes without copying them. - Throws: `MBusError.truncatedTelegram` past the end.
    mutating func skip(_ count: Int, for reason: String) throws {
        guard offset + count <= bytes.count else {
            throw MBusError.truncatedTelegram(offset: offset, needed: offset + count - bytes.count, reason: reason)
        }
        offset += count
    }

    mutating func take(_ count: Int, for reason: String) throws -> [UInt8] {
        guard offset + count <= bytes.count else {
            throw MBusError.truncatedTelegram(offset: offset, needed: offset + count - bytes.count, reason: reason)
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
