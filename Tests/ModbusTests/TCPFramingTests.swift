import Modbus
import TestSupport
import Testing

/// MBAP vectors (Modbus Messaging on TCP/IP V1.0b, 3.1.3), checked against pymodbus 3.16.1's `FramerSocket`.
@Suite struct TCPFramingTests {
    @Test func encodesAReadRequest() {
        let adu = TCPFraming.encode(
            transactionID: 0x0001,
            unit: 1,
            request: .readHoldingRegisters(address: 0x5002, count: 2)
        )
        #expect(adu == bytes("00 01 00 00 00 06 01 03 50 02 00 02"))
    }

    @Test func encodesTheManualsFloatWrite() {
        let adu = TCPFraming.encode(
            transactionID: 0x1234,
            unit: 1,
            request: .writeMultipleRegisters(address: 0x400D, values: [0x4120, 0])
        )
        #expect(adu == bytes("12 34 00 00 00 0B 01 10 40 0D 00 02 04 41 20 00 00"))
    }

    @Test func responseDecoderSurvivesEveryChunking() {
        let vectors: [(input: [UInt8], frames: [ModbusADU<ModbusResponse>])] = [
            (
                bytes("00 01 00 00 00 07 01 03 04 43 66 4C CD"),
                [ModbusADU(unit: 1, transactionID: 1, message: .readHoldingRegisters([0x4366, 0x4CCD]))]
            ),
            (
                bytes("00 02 00 00 00 03 01 83 02"),
                [
                    ModbusADU(
                        unit: 1,
                        transactionID: 2,
                        message: .exception(function: .readHoldingRegisters, code: .illegalDataAddress)
                    )
                ]
            ),
            (
                bytes("FF FF 00 00 00 06 07 06 60 48 00 0C"),
                [ModbusADU(unit: 7, transactionID: 0xFFFF, message: .writeSingleRegister(address: 0x6048, value: 12))]
            ),
        ]
        let failures = DecoderVerifier.verify(vectors, makeDecoder: { TCPResponseDecoder() })
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test func requestDecoderSurvivesEveryChunking() {
        let vectors: [(input: [UInt8], frames: [ModbusADU<ModbusServerRequest>])] = manualWriteVectors.enumerated().map
        { index, vector in
            let adu = TCPFraming.encode(transactionID: UInt16(index), unit: 1, request: vector.request)
            return (adu, [ModbusADU(unit: 1, transactionID: UInt16(index), message: .request(vector.request))])
        }
        let failures = DecoderVerifier.verify(vectors, makeDecoder: { TCPRequestDecoder() })
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test func rejectsAForeignProtocolIdentifier() {
        var decoder = TCPResponseDecoder()
        // An RTU reply read as MBAP: protocol id 0x4366.
        decoder.append(bytes("01 03 04 43 66 4C CD FA FD"))
        #expect(throws: ModbusError.self) { try decoder.decode() }
    }

    @Test func malformedPDUConsumesOnlyItsFrame() throws {
        var decoder = TCPResponseDecoder()
        decoder.append(bytes("00 01 00 00 00 04 01 03 01 00") + bytes("00 02 00 00 00 03 01 83 02"))
        #expect(throws: ModbusError.self) { try decoder.decode() }
        #expect(try decoder.decode()?.transactionID == 2)
    }

    @Test func truncatedFrameWaits() throws {
        var decoder = TCPResponseDecoder()
        decoder.append(bytes("00 01 00 00 00 07 01 03 04 43 66 4C"))
        #expect(try decoder.decode() == nil)
        decoder.append([0xCD])
        #expect(try decoder.decode()?.message == .readHoldingRegisters([0x4366, 0x4CCD]))
    }
}
