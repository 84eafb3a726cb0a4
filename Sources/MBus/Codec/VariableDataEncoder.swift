import Foundation

/// Encodes a `VariableDataStructure` as the data of a RSP_UD long frame (EN 13757-3), the inverse of
/// `VariableDataDecoder`; the simulator builds its telegrams with it. Pure.
package enum VariableDataEncoder {
    /// The bytes after the CI field: header, records, then DIF 1F or 0F and the manufacturer data when present.
    /// - Throws: `MBusError.unencodable` when a value does not fit its data field coding, or the result would not
    ///   fit one long frame.
    package static func encode(_ structure: VariableDataStructure) throws -> [UInt8] {
        let msbFirst = structure.ci == ControlInformation.variableDataResponseMSBFirst
        var bytes: [UInt8] = []
        switch structure.header {
        case .long(let header):
            var address = header.address.wireBytes
            if msbFirst {
                address.replaceSubrange(0..<4, with: address[0..<4].reversed())
                address.replaceSubrange(4..<6, with: address[4..<6].reversed())
            }
            let signature = [UInt8(header.signature & 0xFF), UInt8(header.signature >> 8)]
            bytes += address + [header.accessNumber, header.status] + (msbFirst ? signature.reversed() : signature)
        case .short(let accessNumber, let status, let signature):
            bytes += [accessNumber, status, UInt8(signature & 0xFF), UInt8(signature >> 8)]
        case .none:
            break
        }
        for record in structure.records {
            bytes += try encode(record, msbFirst: msbFirst)
        }
        if structure.moreRecordsFollow {
            bytes += [0x1F] + structure.manufacturerData
        } else if !structure.manufacturerData.isEmpty {
            bytes += [0x0F] + structure.manufacturerData
        }
        guard bytes.count <= MBusFrame.maximumDataCount else {
            throw MBusError.unencodable(reason: "\(bytes.count) bytes do not fit one long frame (252)")
        }
        return bytes
    }

    /// One record: DIF/DIFEs, VIF/VIFEs, data (manual A2.2: `8C 10 04 23 80 35 00`).
    package static func encode(_ record: MBusDataRecord, msbFirst: Bool = false) throws -> [UInt8] {
        let header = record.dib.encoded + record.vib.encoded
        let coding = record.dib.coding
        var data: [UInt8]
        switch (record.value, coding.length) {
        case (.none, 0):
            data = []
        case (.bytes(let raw), let length?) where raw.count == length:
            data = raw
        case (.bytes(let raw), nil) where raw.count <= 15:
            return header + [0xE0 + UInt8(raw.count)] + (msbFirst ? raw.reversed() : raw)
        case (.text(let text), nil):
            let characters = Array(text.utf8)
            guard characters.count <= 0xBF else { throw MBusError.unencodable(reason: "text over 191 characters") }
            return header + [UInt8(characters.count)] + characters.reversed()
        case (.number(let number), nil):
            let value = try integer(number)
            let digits = String(value.magnitude).count
            let byteCount = (digits + 1) / 2
            guard byteCount <= 9 else { throw MBusError.unencodable(reason: "\(number) over 18 BCD digits") }
            let bcd = try BCD.encode(value.magnitude == 0 ? 0 : Int64(value.magnitude), byteCount: byteCount)
            return header + [(value < 0 ? 0xD0 : 0xC0) + UInt8(byteCount)] + (msbFirst ? bcd.reversed() : bcd)
        case (.number(let number), let length?) where coding.isBCD:
            data = try BCD.encode(try integer(number), byteCount: length)
        case (.number(let number), let length?) where coding.isInteger:
            let value = try integer(number)
            let bits = 8 * length
            guard bits == 64 || (-(Int64(1) << (bits - 1))...(Int64(1) << (bits - 1)) - 1).contains(value) else {
                throw MBusError.unencodable(reason: "\(number) does not fit \(bits)-bit integer")
            }
            data = (0..<length).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        case (.number(let number), 4) where coding == .real32:
            let bits = Float(NSDecimalNumber(decimal: number).stringValue).map(\.bitPattern) ?? 0
            data = (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
        case (.date(let date), 2) where coding == .int16:
            let year = date.year % 100
            data = [UInt8(date.day) | UInt8(year & 0x07) << 5, UInt8(date.month) | UInt8(year >> 3) << 4]
        case (.date(let date), 4) where coding == .int32:
            let year = date.year % 100
            data = [
                UInt8(date.minute ?? 0), UInt8(date.hour ?? 0),
                UInt8(date.day) | UInt8(year & 0x07) << 5, UInt8(date.month) | UInt8(year >> 3) << 4,
            ]
        default:
            throw MBusError.unencodable(reason: "value \(record.value) with data field coding \(coding)")
        }
        return header + (msbFirst ? data.reversed() : data)
    }

    private static func integer(_ number: Decimal) throws -> Int64 {
        var value = number
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        guard rounded == number, let integer = Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value),
            Decimal(integer) == number
        else { throw MBusError.unencodable(reason: "\(number) is not an integer in range") }
        return integer
    }
}
