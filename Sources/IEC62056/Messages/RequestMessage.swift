/// The request message an HHU sends at 300 baud to sign on: `/ ? Device address ! CR LF`.
///
/// IEC 62056-21 clause 6.3.1. The device address (up to 32 characters: digits, capital letters, lower-case letters
/// and spaces; leading zeros are ignored by the meter) is optional; without it any meter on the port answers.
package struct RequestMessage: Sendable, Equatable, Hashable {
    /// The device address, or `nil` for "any meter".
    package var deviceAddress: String?

    package init(deviceAddress: String? = nil) {
        self.deviceAddress = deviceAddress.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses the text of a request line from `/` up to and including `!` (no CR LF): `/?12345678!`.
    /// - Returns: `nil` when the text is not a request message.
    package init?(line: [UInt8]) {
        guard line.count >= 3, line[0] == ControlCharacter.start, line[1] == ControlCharacter.request,
            line[line.count - 1] == ControlCharacter.end
        else { return nil }
        let address = line[2..<(line.count - 1)]
        guard !address.contains(ControlCharacter.start), !address.contains(ControlCharacter.end) else { return nil }
        self.init(deviceAddress: String(decoding: address, as: UTF8.self))
    }
}
