import Foundation

/// Decodes one data record: DIF/DIFE, VIF/VIFE (and a plain-text unit), then the data (EN 13757-3, 6.2-6.5).
enum DataRecordDecoder {
    static func decode(_ reader: inout ByteReader, msbFirst: Bool) throws -> MBusDataRecord {
        let start = reader.offset
        let dib = try decodeDIB(&reader, start: start)
        let vib = try decodeVIB(&reader, start: start)
        let value: MBusValue
        if let length = dib.coding.length {
            var data = try reader.take(length, for: "data of record at byte \(start)")
            if msbFirst { data.reverse() }
            value = fixedValue(data, coding: dib.coding, vif: vib.vif)
        } else {
            value = try variableValue(&reader, start: start, msbFirst: msbFirst)
        }
        return MBusDataRecord(dib: dib, vib: vib, value: value)
    }

    private static func decodeDIB(_ reader: inout ByteReader, start: Int) throws -> DataInformationBlock {
        let dif = try reader.byte(for: "DIF")
        guard let coding = DataFieldCoding(rawValue: dif & 0x0F) else {
            throw MBusError.malformedDataRecord(offset: start, reason: "DIF \(hex(dif)) is a special function")
        }
        var dib = DataInformationBlock(
            coding: coding,
            functionField: (dif >> 4) & 0x03,
            storageNumber: UInt64(dif >> 6 & 1)
        )
        var more = dif & 0x80 != 0
        var index = 0
        while more {
            guard index < 10 else { throw MBusError.malformedDataRecord(offset: start, reason: "more than 10 DIFEs") }
            let dife = try reader.byte(for: "DIFE")
            dib.storageNumber |= UInt64(dife & 0x0F) << (1 + 4 * index)
            dib.tariff |= UInt32((dife >> 4) & 0x03) << (2 * index)
            dib.subunit |= UInt16((dife >> 6) & 0x01) << index
            more = dife & 0x80 != 0
            index += 1
        }
        return dib
    }

    private static func decodeVIB(_ reader: inout ByteReader, start: Int) throws -> ValueInformationBlock {
        let vif = try reader.byte(for: "VIF")
        var extensions: [UInt8] = []
        var more = vif & 0x80 != 0
        while more {
            guard extensions.count < 10 else {
                throw MBusError.malformedDataRecord(offset: start, reason: "more than 10 VIFEs")
            }
            let vife = try reader.byte(for: "VIFE")
            extensions.append(vife)
            more = vife & 0x80 != 0
        }
        var text: String?
        if vif & 0x7F == 0x7C {
            let length = Int(try reader.byte(for: "plain-text VIF length"))
            text = String(decoding: try reader.take(length, for: "plain-text VIF").reversed(), as: UTF8.self)
        }
        return ValueInformationBlock(vif: vif, extensions: extensions, plainText: text)
    }

    /// A fixed-length data field, bytes least significant first.
    static func fixedValue(_ data: [UInt8], coding: DataFieldCoding, vif: UInt8) -> MBusValue {
        switch coding {
        case .noData, .selectionForReadout:
            return .none
        case .int16 where vif == 0x6C:
            return .date(MBusDate(year: year(data[0], data[1]), month: Int(data[1] & 0x0F), day: Int(data[0] & 0x1F)))
        case .int32 where vif == 0x6D:
            guard data[0] & 0x80 == 0 else { return .invalid(reason: "date and time marked invalid") }
            return .date(
                MBusDate(
                    year: year(data[2], data[3]),
                    month: Int(data[3] & 0x0F),
                    day: Int(data[2] & 0x1F),
                    hour: Int(data[1] & 0x1F),
                    minute: Int(data[0] & 0x3F)
                )
            )
        case .real32:
            let bits = data.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let real = Float(bitPattern: bits)
            guard real.isFinite, let decimal = Decimal(string: "\(real)") else {
                return .invalid(reason: "real value \(real)")
            }
            return .number(decimal)
        case let coding where coding.isBCD:
            guard let value = BCD.decode(data) else { return .invalid(reason: "invalid BCD digit in \(hex(data))") }
            return .number(Decimal(value))
        default:
            return .number(Decimal(signedInteger(data)))
        }
    }

    /// A two's complement integer (type B), least significant byte first, up to 8 bytes.
    static func signedInteger(_ data: [UInt8]) -> Int64 {
        let unsigned = data.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let shift = UInt64(64 - 8 * data.count)
        return Int64(bitPattern: unsigned << shift) >> shift
    }

    private static func year(_ low: UInt8, _ high: UInt8) -> Int {
        let value = Int((low & 0xE0) >> 5) | Int((high & 0xF0) >> 1)
        return value + (value < 81 ? 2000 : 1900)
    }

    /// Data field coding D: an LVAR byte, then text, BCD or binary (EN 13757-3, table 5).
    private static func variableValue(_ reader: inout ByteReader, start: Int, msbFirst: Bool) throws -> MBusValue {
        let lvar = try reader.byte(for: "LVAR")
        let reason = "variable data of record at byte \(start)"
        switch lvar {
        case 0x00...0xBF:
            return .text(String(decoding: try reader.take(Int(lvar), for: reason).reversed(), as: UTF8.self))
        case 0xC0...0xC9, 0xD0...0xD9:
            var data = try reader.take(Int(lvar & 0x0F), for: reason)
            if msbFirst { data.reverse() }
            guard let value = BCD.decode(data) else { return .invalid(reason: "invalid BCD digit in \(hex(data))") }
            return .number(Decimal(lvar >= 0xD0 ? -value : value))
        case 0xE0...0xEF:
            var data = try reader.take(Int(lvar - 0xE0), for: reason)
            if msbFirst { data.reverse() }
            return data.count <= 8 && !data.isEmpty ? .number(Decimal(signedInteger(data))) : .bytes(data)
        case 0xF0...0xF4:
            return .bytes(try reader.take(4 * Int(lvar - 0xEC), for: reason))
        case 0xF5:
            return .bytes(try reader.take(48, for: reason))
        case 0xF6:
            return .bytes(try reader.take(64, for: reason))
        default:
            throw MBusError.malformedDataRecord(offset: start, reason: "reserved LVAR \(hex(lvar))")
        }
    }
}
