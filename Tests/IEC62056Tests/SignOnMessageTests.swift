import IEC62056
import Testing

@Suite struct SignOnMessageTests {
    struct FieldCase: Sendable, CustomTestStringConvertible {
        var line: String
        var manufacturer: String
        var baudCharacter: Character
        var capabilities: [Character]
        var identification: String
        var shortReactionTime: Bool
        var baudRate: Int?
        var testDescription: String { line }
    }

    static let fieldCases = [
        FieldCase(
            line: "/ISk5MT174-0001",
            manufacturer: "ISk",
            baudCharacter: "5",
            capabilities: [],
            identification: "MT174-0001",
            shortReactionTime: true,
            baudRate: 9600
        ),
        FieldCase(
            line: "/LGZ4\\2ZMD120APt.G03",
            manufacturer: "LGZ",
            baudCharacter: "4",
            capabilities: ["2"],
            identification: "ZMD120APt.G03",
            shortReactionTime: false,
            baudRate: 4800
        ),
        FieldCase(
            line: "/INM5PRO380",
            manufacturer: "INM",
            baudCharacter: "5",
            capabilities: [],
            identification: "PRO380",
            shortReactionTime: false,
            baudRate: 9600
        ),
        FieldCase(
            line: "/EMH6\\2\\@eHZ",
            manufacturer: "EMH",
            baudCharacter: "6",
            capabilities: ["2", "@"],
            identification: "eHZ",
            shortReactionTime: false,
            baudRate: 19200
        ),
        FieldCase(
            line: "/ABCE1234",
            manufacturer: "ABC",
            baudCharacter: "E",
            capabilities: [],
            identification: "1234",
            shortReactionTime: false,
            baudRate: nil
        ),
    ]

    @Test(arguments: fieldCases)
    func parsesTheIdentificationFieldCases(_ field: FieldCase) throws {
        var decoder = IdentificationDecoder()
        decoder.append(Array((field.line + "\r\n").utf8))
        let message = try #require(try decoder.decode())
        #expect(message.manufacturer == field.manufacturer)
        #expect(message.baudCharacter == field.baudCharacter.asciiValue)
        #expect(message.enhancedCapabilities == field.capabilities)
        #expect(message.identification == field.identification)
        #expect(message.hasShortReactionTime == field.shortReactionTime)
        #expect(message.proposedBaudRate == field.baudRate)
        #expect(IEC62056Encoder.encode(message) == Array((field.line + "\r\n").utf8))
    }

    @Test func decodesSplitSkipsJunkAndTheEchoOfOurRequestAndStripsParity() throws {
        let bytes = Array("\0\u{7F}/?!\r\n/LGZ4\\2ZMD120APt.G03\r\n".utf8)
        var decoder = IdentificationDecoder()
        var messages: [IdentificationMessage] = []
        for byte in SevenBit.withEvenParity(bytes) {
            decoder.append([byte])
            if let message = try decoder.decode() { messages.append(message) }
        }
        #expect(messages.map(\.identification) == ["ZMD120APt.G03"])
    }

    /// More noise before `/` than after it: dropping the noise compacts the buffer, and the line must still be found.
    @Test func decodesAfterLongNoiseInOneRead() throws {
        let noise = [UInt8](repeating: 0x55, count: 40)
        var identification = IdentificationDecoder()
        identification.append(noise + Array("/ISk5MT174-0001\r\n".utf8))
        #expect(try identification.decode()?.identification == "MT174-0001")
        var request = HHUMessageDecoder()
        request.append(noise + Array("/?12345678!\r\n".utf8))
        #expect(try request.decode() == .request(RequestMessage(deviceAddress: "12345678")))
    }

    @Test(arguments: ["/IS5", "/I5k5MT174", "/ISKxMT174", "/ISK5MT!74", "/ISK5MT\u{01}74"])
    func rejectsMalformedIdentifications(_ line: String) {
        var decoder = IdentificationDecoder()
        decoder.append(Array((line + "\r\n").utf8))
        #expect(throws: IEC62056Error.self) { _ = try decoder.decode() }
    }

    @Test func rejectsAnIdentificationThatNeverEnds() {
        var decoder = IdentificationDecoder()
        decoder.append(Array(("/ISK5" + String(repeating: "x", count: 200)).utf8))
        #expect(throws: IEC62056Error.messageTooLong(limit: IdentificationDecoder.maximumLength)) {
            _ = try decoder.decode()
        }
    }

    @Test func encodesRequestsWithAndWithoutAddress() {
        #expect(IEC62056Encoder.encode(RequestMessage()) == Array("/?!\r\n".utf8))
        #expect(IEC62056Encoder.encode(RequestMessage(deviceAddress: "")) == Array("/?!\r\n".utf8))
        #expect(IEC62056Encoder.encode(RequestMessage(deviceAddress: "13070042")) == Array("/?13070042!\r\n".utf8))
    }

    @Test func encodesTheOptionSelectMessage() {
        #expect(
            IEC62056Encoder.encode(OptionSelectMessage(baudCharacter: 0x35)) == [0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A]
        )
        #expect(
            OptionSelectMessage(dataReadoutAt: 300).map(IEC62056Encoder.encode) == [0x06, 0x30, 0x30, 0x30, 0x0D, 0x0A]
        )
        #expect(OptionSelectMessage(dataReadoutAt: 115200) == nil)
    }

    @Test(arguments: zip(Array("0123456789"), [300, 600, 1200, 2400, 4800, 9600, 19200, nil, nil, nil]))
    func mapsModeCBaudCharacters(character: Character, rate: Int?) {
        #expect(BaudRateCharacter.baudRate(modeC: character.asciiValue!) == rate)
        if let rate { #expect(BaudRateCharacter.character(modeC: rate) == character.asciiValue) }
    }

    @Test func meterSideDecoderReadsRequestsAndAcknowledgements() throws {
        let bytes =
            IEC62056Encoder.encode(RequestMessage(deviceAddress: "42")) + [0x00]
            + IEC62056Encoder.encode(OptionSelectMessage(baudCharacter: 0x35))
        var decoder = HHUMessageDecoder()
        var messages: [HHUMessage] = []
        for byte in bytes {
            decoder.append([byte])
            while let message = try decoder.decode() { messages.append(message) }
        }
        #expect(
            messages == [
                .request(RequestMessage(deviceAddress: "42")), .optionSelect(OptionSelectMessage(baudCharacter: 0x35)),
            ]
        )
    }
}
