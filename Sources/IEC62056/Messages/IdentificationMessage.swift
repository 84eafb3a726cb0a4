/// The identification message a meter answers a request with: `/ X X X Z \W Identification CR LF`.
///
/// IEC 62056-21 clause 6.3.2:
/// - `XXX` the manufacturer's three-letter identification. A lower-case third letter announces that the meter's
///   minimum reaction time is 20 ms instead of 200 ms (clause 6.3.2, note on the manufacturer's identification).
/// - `Z` the baud rate character (mode C: `0`..`6`, see `BaudRateCharacter`).
/// - `\W` optional, repeatable: the escape character `\` followed by an enhanced capability character `W`.
/// - the identification proper, up to 16 printable characters (longer ones occur in the field and are kept).
///
/// Field cases: `/ISk5MT174-0001` has no `\W` pair (identification `MT174-0001`); `/LGZ4\2ZMD120APt.G03` has the
/// capability `2` and the identification `ZMD120APt.G03`. A parser that assumes the pair is always present loses
/// the first two characters of the first kind.
package struct IdentificationMessage: Sendable, Equatable, Hashable {
    /// The three manufacturer letters as sent (`ISk`, `LGZ`, `INM`).
    package var manufacturer: String
    /// The baud rate character `Z` as sent (`5`).
    package var baudCharacter: UInt8
    /// The enhanced capability characters `W`, one per `\W` pair, in order (`["2"]`); empty when none was sent.
    package var enhancedCapabilities: [Character]
    /// The identification proper (`MT174-0001`).
    package var identification: String

    package init(
        manufacturer: String,
        baudCharacter: UInt8,
        enhancedCapabilities: [Character] = [],
        identification: String
    ) {
        self.manufacturer = manufacturer
        self.baudCharacter = baudCharacter
        self.enhancedCapabilities = enhancedCapabilities
        self.identification = identification
    }

    /// Whether the third manufacturer letter is lower case: the meter may answer 20 ms after a message instead of
    /// the standard 200 ms.
    package var hasShortReactionTime: Bool {
        manufacturer.count == 3 && manufacturer.last.map { $0.isLowercase } == true
    }

    /// The mode C baud rate the meter proposes, or `nil` when `Z` is a mode A/B or reserved character.
    package var proposedBaudRate: Int? { BaudRateCharacter.baudRate(modeC: baudCharacter) }

    /// Parses one identification line: the bytes from `/` up to, not including, CR LF (7-bit data).
    /// - Throws: `IEC62056Error.malformedIdentification` when the start character, the three letters or the baud
    ///   character are missing or the line holds non-printable characters.
    package init(line: [UInt8]) throws {
        let text = String(decoding: line, as: UTF8.self)
        func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
        func isBaudCharacter(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x49).contains(b) }
        guard line.count >= 5, line[0] == ControlCharacter.start else {
            throw IEC62056Error.malformedIdentification(text, reason: "shorter than /XXXZ or no start character")
        }
        guard line[1...3].allSatisfy(isLetter) else {
            throw IEC62056Error.malformedIdentification(text, reason: "the manufacturer is not three letters")
        }
        guard isBaudCharacter(line[4]) else {
            throw IEC62056Error.malformedIdentification(text, reason: "no baud rate character after the manufacturer")
        }
        guard line.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw IEC62056Error.malformedIdentification(text, reason: "non-printable character")
        }
        var rest = line[5...]
        var capabilities: [Character] = []
        while rest.count >= 2, rest.first == ControlCharacter.escape {
            capabilities.append(Character(Unicode.Scalar(rest[rest.startIndex + 1])))
            rest = rest.dropFirst(2)
        }
        guard !rest.contains(ControlCharacter.start), !rest.contains(ControlCharacter.end) else {
            throw IEC62056Error.malformedIdentification(text, reason: "`/` or `!` inside the identification")
        }
        self.init(
            manufacturer: String(decoding: line[1...3], as: UTF8.self),
            baudCharacter: line[4],
            enhancedCapabilities: capabilities,
            identification: String(decoding: rest, as: UTF8.self)
        )
    }
}
