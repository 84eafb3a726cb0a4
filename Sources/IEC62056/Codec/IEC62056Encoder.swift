/// Encodes IEC 62056-21 mode C messages to bytes (7-bit characters, bit 7 clear).
///
/// Pure functions for both sides: the client encodes requests and acknowledgements; a simulator or a test peer
/// encodes identifications and data messages (`encode(_: Readout)` gives both). To imitate a 7E1 sender on an 8N1
/// line, pass the result through `SevenBit.withEvenParity(_:)`.
///
/// Values and addresses are written as given: the caller keeps `(`, `)`, `*`, `/` and `!` out of them (clause 6.4
/// excludes them from addresses and values).
package enum IEC62056Encoder {
    private static let lineEnd: [UInt8] = [ControlCharacter.cr, ControlCharacter.lf]

    /// `/ ? Device address ! CR LF` (clause 6.3.1).
    package static func encode(_ message: RequestMessage) -> [UInt8] {
        [ControlCharacter.start, ControlCharacter.request] + Array((message.deviceAddress ?? "").utf8)
            + [ControlCharacter.end] + lineEnd
    }

    /// `/ X X X Z \W Identification CR LF` (clause 6.3.2).
    package static func encode(_ message: IdentificationMessage) -> [UInt8] {
        var bytes = [ControlCharacter.start] + Array(message.manufacturer.utf8) + [message.baudCharacter]
        for capability in message.enhancedCapabilities {
            bytes.append(ControlCharacter.escape)
            bytes.append(contentsOf: String(capability).utf8)
        }
        return bytes + Array(message.identification.utf8) + lineEnd
    }

    /// `ACK V Z Y CR LF` (clause 6.3.3).
    package static func encode(_ message: OptionSelectMessage) -> [UInt8] {
        [ControlCharacter.ack, message.protocolControl, message.baudCharacter, message.modeControl] + lineEnd
    }

    /// One data line: `address(value*unit)(value)` CR LF (clause 6.4).
    package static func encode(_ dataSet: DataSet) -> [UInt8] {
        var text = dataSet.address
        for value in dataSet.values {
            text += "(" + value.value + (value.unit.map { "*" + $0 } ?? "") + ")"
        }
        return Array(text.utf8) + lineEnd
    }

    /// `STX Data block ! CR LF ETX BCC`, one data set per line, BCC over the bytes after STX up to and including
    /// ETX (clause 6.3.4).
    package static func encode(_ message: DataMessage) -> [UInt8] {
        var body = message.dataSets.flatMap(encode(_:))
        body += [ControlCharacter.end] + lineEnd + [ControlCharacter.etx]
        return [ControlCharacter.stx] + body + [BCC.compute(body)]
    }

    /// What a meter sends in a readout: the identification message, and the data message it sends after the
    /// acknowledgement.
    package static func encode(_ readout: Readout) -> (identification: [UInt8], dataMessage: [UInt8]) {
        (encode(readout.identification), encode(DataMessage(dataSets: readout.dataSets)))
    }
}
