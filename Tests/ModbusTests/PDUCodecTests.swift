import Modbus
import Testing

@Suite struct PDUCodecTests {
    @Test func requestValidationLimits() throws {
        try PDUCodec.validate(.readHoldingRegisters(address: 0x4000, count: 125))
        try PDUCodec.validate(.writeMultipleRegisters(address: 0x4000, values: Array(repeating: 0, count: 123)))
        #expect(throws: ModbusError.self) { try PDUCodec.validate(.readHoldingRegisters(address: 0x4000, count: 126)) }
        #expect(throws: ModbusError.self) { try PDUCodec.validate(.readHoldingRegisters(address: 0x4000, count: 0)) }
        #expect(throws: ModbusError.self) {
            try PDUCodec.validate(.writeMultipleRegisters(address: 0, values: Array(repeating: 0, count: 124)))
        }
        #expect(throws: ModbusError.self) { try PDUCodec.validate(.readHoldingRegisters(address: 0xFFFF, count: 2)) }
    }

    @Test func serverRefusesOutOfLimitQuantitiesWithException03() {
        #expect(
            PDUCodec.decodeRequest(bytes("03 40 00 00 7E")[...]) == .refused(functionByte: 3, code: .illegalDataValue)
        )
        #expect(
            PDUCodec.decodeRequest(bytes("03 40 00 00 00")[...]) == .refused(functionByte: 3, code: .illegalDataValue)
        )
        // Byte count 2 for a quantity of 2 registers.
        #expect(
            PDUCodec.decodeRequest(bytes("10 40 0D 00 02 02 41 20")[...])
                == .refused(functionByte: 0x10, code: .illegalDataValue)
        )
        #expect(
            PDUCodec.decodeRequest(bytes("04 00 00 00 01")[...]) == .refused(functionByte: 4, code: .illegalFunction)
        )
    }

    @Test func serverFramesUnsupportedFunctionsToAnswerThem() {
        var decoder = RTURequestDecoder()
        decoder.append(RTUFraming.encode(unit: 1, pdu: bytes("04 00 00 00 01")))
        #expect(decoder.decode() == ModbusADU(unit: 1, message: .refused(functionByte: 4, code: .illegalFunction)))
        #expect(PDUCodec.exception(functionByte: 4, code: .illegalFunction) == [0x84, 0x01])
    }

    @Test func malformedResponsesThrow() {
        #expect(throws: ModbusError.self) { try PDUCodec.decodeResponse(bytes("03 03 00 01 02")[...]) }
        #expect(throws: ModbusError.self) { try PDUCodec.decodeResponse(bytes("03 04 00 01")[...]) }
        #expect(throws: ModbusError.self) { try PDUCodec.decodeResponse(bytes("06 40 03 00")[...]) }
        #expect(throws: ModbusError.self) { try PDUCodec.decodeResponse(bytes("04 02 00 01")[...]) }
        #expect(throws: ModbusError.self) { try PDUCodec.decodeResponse([][...]) }
    }

    @Test(arguments: [
        ModbusResponse.readHoldingRegisters([0x4366, 0x4CCD, 0, 0xFFFF]),
        .writeSingleRegister(address: 0x4003, value: 10),
        .writeMultipleRegisters(address: 0x400D, count: 2),
        .exception(function: .writeSingleRegister, code: .illegalDataValue),
        .exception(function: .readHoldingRegisters, code: .other(0x42)),
    ])
    func responsesRoundTrip(_ response: ModbusResponse) throws {
        #expect(try PDUCodec.decodeResponse(PDUCodec.encode(response)[...]) == response)
    }

    @Test(arguments: [
        ModbusRequest.readHoldingRegisters(address: 0x6000, count: 75),
        .writeSingleRegister(address: 0x6048, value: 12),
        .writeMultipleRegisters(address: 0x6049, values: [0, 0]),
    ])
    func requestsRoundTrip(_ request: ModbusRequest) {
        #expect(PDUCodec.decodeRequest(PDUCodec.encode(request)[...]) == .request(request))
    }
}
