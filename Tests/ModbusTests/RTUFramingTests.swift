import Modbus
import TestSupport
import Testing

/// Golden vectors: the write examples of manual appendix 3 (A3.2 "Write"), unit 1, with CRCs computed
/// independently by pymodbus 3.16.1 (`FramerRTU.compute_CRC`), plus the spec's read example.
struct GoldenVector: Sendable, CustomStringConvertible {
    var request: ModbusRequest
    var wire: String
    var description: String { wire }
}

let manualWriteVectors: [GoldenVector] = [
    GoldenVector(request: .writeSingleRegister(address: 0x6048, value: 0x0002), wire: "01 06 60 48 00 02 96 1D"),
    GoldenVector(request: .writeSingleRegister(address: 0x4003, value: 0x000A), wire: "01 06 40 03 00 0A EC 0D"),
    GoldenVector(request: .writeSingleRegister(address: 0x4004, value: 0x2580), wire: "01 06 40 04 25 80 C6 FB"),
    GoldenVector(
        request: .writeMultipleRegisters(address: 0x400D, values: [0x4120, 0x0000]),
        wire: "01 10 40 0D 00 02 04 41 20 00 00 16 03"
    ),
    GoldenVector(request: .writeSingleRegister(address: 0x400F, value: 0x000A), wire: "01 06 40 0F 00 0A 2C 0E"),
    GoldenVector(request: .writeSingleRegister(address: 0x4010, value: 0x0025), wire: "01 06 40 10 00 25 5C 14"),
    GoldenVector(request: .writeSingleRegister(address: 0x4011, value: 0x0002), wire: "01 06 40 11 00 02 4D CE"),
    GoldenVector(request: .writeSingleRegister(address: 0x4016, value: 0x0000), wire: "01 06 40 16 00 00 7D CE"),
    GoldenVector(
        request: .writeMultipleRegisters(address: 0x6049, values: [0, 0]),
        wire: "01 10 60 49 00 02 04 00 00 00 00 9F F7"
    ),
    GoldenVector(request: .readHoldingRegisters(address: 0x0000, count: 10), wire: "01 03 00 00 00 0A C5 CD"),
    GoldenVector(request: .readHoldingRegisters(address: 0x5002, count: 2), wire: "01 03 50 02 00 02 74 CB"),
]

/// Responses: the 06 echo, the 16 acknowledgement (pymodbus CRCs), the field read and the exception example.
let responseVectors: [(response: ModbusResponse, wire: String)] = [
    (.writeSingleRegister(address: 0x6048, value: 2), "01 06 60 48 00 02 96 1D"),
    (.writeMultipleRegisters(address: 0x400D, count: 2), "01 10 40 0D 00 02 C5 CB"),
    (.writeMultipleRegisters(address: 0x6049, count: 2), "01 10 60 49 00 02 8E 1E"),
    (.readHoldingRegisters([0x4366, 0x4CCD]), "01 03 04 43 66 4C CD FA FD"),
    (.exception(function: .readHoldingRegisters, code: .illegalDataAddress), "01 83 02 C0 F1"),
]

@Suite struct RTUFramingTests {
    @Test func crcCheckValues() {
        #expect(CRC16.checksum(Array("123456789".utf8)) == 0x4B37)
        #expect(CRC16.appending(to: bytes("01 03 00 00 00 0A")) == bytes("01 03 00 00 00 0A C5 CD"))
    }

    @Test(arguments: manualWriteVectors)
    func encodesManualRequests(_ vector: GoldenVector) {
        #expect(RTUFraming.encode(unit: 1, request: vector.request) == bytes(vector.wire))
    }

    @Test(arguments: manualWriteVectors)
    func serverDecodesManualRequests(_ vector: GoldenVector) {
        var decoder = RTURequestDecoder()
        decoder.append(bytes(vector.wire))
        #expect(decoder.decode() == ModbusADU(unit: 1, message: .request(vector.request)))
        #expect(decoder.decode() == nil)
    }

    @Test func responsesRoundTrip() {
        for (response, wire) in responseVectors {
            #expect(RTUFraming.encode(unit: 1, response: response) == bytes(wire))
            var decoder = RTUResponseDecoder()
            decoder.append(bytes(wire))
            #expect(decoder.decode() == ModbusADU(unit: 1, message: response))
        }
    }

    @Test func responseDecoderSurvivesEveryChunking() {
        let vectors = responseVectors.map {
            (input: bytes($0.wire), frames: [ModbusADU(unit: 1, message: $0.response)])
        }
        let failures = DecoderVerifier.verify(vectors, makeDecoder: { RTUResponseDecoder() })
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test func requestDecoderSurvivesEveryChunking() {
        let vectors = manualWriteVectors.map {
            (input: bytes($0.wire), frames: [ModbusADU<ModbusServerRequest>(unit: 1, message: .request($0.request))])
        }
        let failures = DecoderVerifier.verify(vectors, makeDecoder: { RTURequestDecoder() })
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test func skipsStrayBytesBeforeAReply() {
        let request = ModbusRequest.readHoldingRegisters(address: 0x5002, count: 2)
        let failures = DecoderVerifier.verify(
            [
                (
                    input: bytes("00 01 03 04 43 66 4C CD FA FD"),
                    frames: [ModbusADU(unit: 1, message: .readHoldingRegisters([0x4366, 0x4CCD]))]
                )
            ],
            makeDecoder: { RTUResponseDecoder(answering: request) }
        )
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        var decoder = RTUResponseDecoder(answering: request)
        decoder.append(bytes("00 01 03 04 43 66 4C CD FA FD"))
        #expect(decoder.decode()?.message == .readHoldingRegisters([0x4366, 0x4CCD]))
        #expect(decoder.skippedBytes == 1)
        #expect(decoder.crcFailures == 0)
    }

    @Test func badCRCIsDroppedAndTheNextFrameFound() {
        var decoder = RTUResponseDecoder()
        decoder.append(bytes("01 03 04 43 66 4C CD FA FE") + bytes("01 83 02 C0 F1"))
        #expect(
            decoder.decode()
                == ModbusADU(unit: 1, message: .exception(function: .readHoldingRegisters, code: .illegalDataAddress))
        )
        #expect(decoder.crcFailures >= 1)
        #expect(decoder.skippedBytes == 9)
    }

    @Test func truncatedFrameWaits() {
        var decoder = RTUResponseDecoder()
        decoder.append(bytes("01 03 04 43 66 4C CD FA"))
        #expect(decoder.decode() == nil)
        decoder.append([0xFD])
        #expect(decoder.decode()?.message == .readHoldingRegisters([0x4366, 0x4CCD]))
    }

    @Test func wrongUnitIsDecodedForTheClientToReject() {
        var decoder = RTUResponseDecoder(answering: .readHoldingRegisters(address: 0x5002, count: 2))
        decoder.append(RTUFraming.encode(unit: 2, response: .readHoldingRegisters([1, 2])))
        #expect(decoder.decode()?.unit == 2)
    }

    @Test func wrongFunctionOrLengthCannotStartAFrame() {
        var decoder = RTUResponseDecoder(answering: .readHoldingRegisters(address: 0x5002, count: 2))
        let wrongCount = RTUFraming.encode(unit: 1, response: .readHoldingRegisters([1, 2, 3]))
        let wrongFunction = RTUFraming.encode(unit: 1, response: .writeSingleRegister(address: 0x5002, value: 2))
        decoder.append(wrongCount + wrongFunction)
        #expect(decoder.decode() == nil)
        #expect(decoder.skippedBytes == wrongCount.count + wrongFunction.count - 1)
    }

    @Test func exceptionNamesAndCodes() {
        #expect(ExceptionCode(rawValue: 2) == .illegalDataAddress)
        #expect(ExceptionCode(rawValue: 0x0B).name == "gateway target device failed to respond")
        #expect(ExceptionCode(rawValue: 0x42) == .other(0x42))
        for raw: UInt8 in [1, 2, 3, 4, 5, 6, 8, 0x0A, 0x0B, 0x42] {
            #expect(ExceptionCode(rawValue: raw).rawValue == raw)
        }
        #expect("\(ExceptionCode.illegalDataAddress)" == "02 illegal data address")
    }
}
