import IEC62056
import Testing

@Suite struct DataMessageCodecTests {
    static let goldens: [([UInt8], [DataSet])] = [
        (Telegrams.shortForm, Telegrams.shortFormSets), (Telegrams.fullForm, Telegrams.fullFormSets),
    ]

    @Test(arguments: goldens)
    func encodesTheGoldenTelegram(bytes: [UInt8], sets: [DataSet]) {
        #expect(IEC62056Encoder.encode(DataMessage(dataSets: sets)) == bytes)
    }

    @Test(arguments: goldens)
    func decodesWholeByteByByteAndConcatenated(bytes: [UInt8], sets: [DataSet]) throws {
        let expected = DataMessage(dataSets: sets)
        #expect(try Telegrams.decodeAll([bytes]) == [expected])
        #expect(try Telegrams.decodeAll(bytes.map { [$0] }) == [expected])
        #expect(try Telegrams.decodeAll([bytes + bytes]) == [expected, expected])
        for seed in UInt64(1)...20 {
            #expect(try Telegrams.decodeAll(Telegrams.randomChunks(bytes + bytes, seed: seed)) == [expected, expected])
        }
    }

    @Test(arguments: goldens)
    func decodesWhenSplitAtEveryBytePosition(bytes: [UInt8], sets: [DataSet]) throws {
        for cut in 0...bytes.count {
            let messages = try Telegrams.decodeAll([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(messages == [DataMessage(dataSets: sets)], "cut at \(cut)")
        }
    }

    @Test func bccIsTheXorAfterSTXThroughETX() {
        // By hand: "A" 0x41 ^ ETX 0x03 = 0x42.
        #expect(BCC.compute([0x41, 0x03]) == 0x42)
        #expect(BCC.compute(Telegrams.fullForm.dropFirst().dropLast()) == 0x48)
        #expect(BCC.compute(SevenBit.withEvenParity(Telegrams.fullForm.dropFirst().dropLast())) == 0x48)
    }

    @Test func decodesAPeerSending7E1OnAn8N1Line() throws {
        let onTheWire = SevenBit.withEvenParity(Telegrams.fullForm)
        #expect(onTheWire != Telegrams.fullForm)
        #expect(try Telegrams.decodeAll([onTheWire]) == [DataMessage(dataSets: Telegrams.fullFormSets)])
    }

    @Test func skipsJunkBeforeSTX() throws {
        let junk: [UInt8] = [0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A, 0x00, 0xFF, 0x7F]
        #expect(try Telegrams.decodeAll([junk]) == [])
        #expect(
            try Telegrams.decodeAll([junk + Telegrams.shortForm]) == [DataMessage(dataSets: Telegrams.shortFormSets)]
        )
    }

    @Test(arguments: [0, 5, 40])
    func rejectsAWrongBCCWholeAndRecovers(corruptedIndex: Int) throws {
        var bytes = Telegrams.fullForm
        if corruptedIndex == 0 { bytes[bytes.count - 1] ^= 0x01 } else { bytes[corruptedIndex] ^= 0x04 }
        var decoder = DataMessageDecoder()
        decoder.append(bytes)
        #expect(throws: IEC62056Error.self) { _ = try decoder.decode() }
        decoder.append(Telegrams.shortForm)
        #expect(try decoder.decode() == DataMessage(dataSets: Telegrams.shortFormSets))
    }

    @Test func reportsTheBCCsOfAMismatch() {
        var bytes = Telegrams.fullForm
        bytes[bytes.count - 1] = 0x11
        #expect(throws: IEC62056Error.bccMismatch(computed: 0x48, received: 0x11)) {
            _ = try Telegrams.decodeAll([bytes])
        }
    }

    @Test func waitsForAMissingETXAndRejectsASecondSTX() throws {
        let withoutETX = Array(Telegrams.shortForm.dropLast(2))
        var decoder = DataMessageDecoder()
        decoder.append(withoutETX)
        #expect(try decoder.decode() == nil)
        #expect(decoder.hasPartialMessage)
        decoder.append(Telegrams.shortForm)
        #expect(throws: IEC62056Error.malformedDataMessage(reason: "a second STX before ETX")) {
            _ = try decoder.decode()
        }
        #expect(try decoder.decode() == DataMessage(dataSets: Telegrams.shortFormSets))
    }

    @Test func rejectsABlockWithoutTheEndCharacter() {
        var body = Array("1.8.0(1*kWh)\r\n".utf8) + [0x03]
        body.append(BCC.compute(body))
        #expect(throws: IEC62056Error.malformedDataMessage(reason: "the data block does not end with ! CR LF")) {
            _ = try Telegrams.decodeAll([[0x02] + body])
        }
    }

    @Test func rejectsAMessageThatNeverEnds() {
        var decoder = DataMessageDecoder(maximumLength: 64)
        decoder.append([0x02] + Array(repeating: 0x41, count: 100))
        #expect(throws: IEC62056Error.messageTooLong(limit: 64)) { _ = try decoder.decode() }
    }

    @Test func rejectsABCCCorrectMessageWithAMalformedLine() {
        var body = Array("1.8.0(1*kWh\r\n!\r\n".utf8) + [0x03]
        body.append(BCC.compute(body))
        #expect(throws: IEC62056Error.malformedDataLine("1.8.0(1*kWh", reason: "unclosed parenthesis")) {
            _ = try Telegrams.decodeAll([[0x02] + body])
        }
    }
}
