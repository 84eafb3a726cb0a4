import CodecSupport
import Modbus
import TestSupport
import Testing

extension RTUListenDecoder: SilenceAwareDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

/// The listen-only framing: golden frames (manual A3.2 examples, CRCs from pymodbus, see `RTUFramingTests`) and
/// frames from our encoder, fed whole, byte by byte and in random chunks, with and without silences between them.
@Suite struct RTUListenDecoderTests {
    static let readL1Voltage = bytes("01 03 50 02 00 02 74 CB")
    static let l1VoltageReply = bytes("01 03 04 43 66 4C CD FA FD")
    static let readSerial = RTUFraming.encode(unit: 1, request: .readHoldingRegisters(address: 0x4000, count: 2))
    static let refused = bytes("01 83 02 C0 F1")
    static let tariffWrite = bytes("01 06 60 48 00 02 96 1D")
    static let s0Write = bytes("01 10 40 0D 00 02 04 41 20 00 00 16 03")
    static let s0WriteReply = bytes("01 10 40 0D 00 02 C5 CB")

    static let l1Exchange = RTUObservation.exchange(
        unit: 1,
        request: .readHoldingRegisters(address: 0x5002, count: 2),
        response: .readHoldingRegisters([0x4366, 0x4CCD])
    )

    static func read(_ unit: UnitID, _ address: UInt16, _ values: [UInt16]) -> (wire: [UInt8], RTUObservation) {
        let request = ModbusRequest.readHoldingRegisters(address: address, count: values.count)
        let response = ModbusResponse.readHoldingRegisters(values)
        return (
            RTUFraming.encode(unit: unit, request: request) + RTUFraming.encode(unit: unit, response: response),
            .exchange(unit: unit, request: request, response: response)
        )
    }

    static func verify(_ vectors: [(input: [LineSegment], frames: [RTUObservation])]) {
        let failures = DecoderVerifier.verify(segments: vectors, makeDecoder: RTUListenDecoder.init)
        let failed = failures.count
        #expect(failed == 0, "\(failures.prefix(2))")
    }

    @Test func requestAndReplyBetweenSilences() {
        Self.verify([
            (
                [.bytes(Self.readL1Voltage), .silence, .bytes(Self.l1VoltageReply), .silence],
                [Self.l1Exchange]
            )
        ])
    }

    @Test func backToBackFramesWithoutAnySilence() {
        let energy = Self.read(1, 0x6000, [0x4A7A, 0x9E1C, 0x4A7A, 0x9E1C])
        let other = Self.read(7, 0x4003, [0x0007])
        Self.verify([
            (
                [.bytes(Self.readL1Voltage + Self.l1VoltageReply + energy.wire + other.wire)],
                [Self.l1Exchange, energy.1, other.1]
            )
        ])
    }

    @Test func requestWithoutReplyEndsAtTheNextRequest() {
        let silentUnit = RTUFraming.encode(unit: 9, request: .readHoldingRegisters(address: 0x5002, count: 2))
        Self.verify([
            (
                [.bytes(silentUnit), .silence, .bytes(Self.readL1Voltage), .silence, .bytes(Self.l1VoltageReply)],
                [.unanswered(unit: 9, request: .readHoldingRegisters(address: 0x5002, count: 2)), Self.l1Exchange]
            ),
            // The master repeats a 32-register read after a timeout; the request's address byte 0x40 would be a
            // valid byte count (64) for the awaited reply, and the reply follows the repeat back to back.
            (
                [
                    .bytes(RTUFraming.encode(unit: 1, request: .readHoldingRegisters(address: 0x4000, count: 32))),
                    .silence,
                    .bytes(Self.read(1, 0x4000, Array(0..<32)).wire),
                ],
                [
                    .unanswered(unit: 1, request: .readHoldingRegisters(address: 0x4000, count: 32)),
                    Self.read(1, 0x4000, Array(0..<32)).1,
                ]
            ),
        ])
    }

    @Test func replySplitAcrossReads() {
        let reply = Self.l1VoltageReply
        Self.verify([
            (
                [.bytes(Self.readL1Voltage), .bytes(Array(reply[..<3])), .bytes(Array(reply[3...])), .silence],
                [Self.l1Exchange]
            )
        ])
    }

    @Test func exceptionRepliesArePaired() {
        Self.verify([
            (
                [.bytes(Self.readSerial), .silence, .bytes(Self.refused), .silence],
                [
                    .exchange(
                        unit: 1,
                        request: .readHoldingRegisters(address: 0x4000, count: 2),
                        response: .exception(function: .readHoldingRegisters, code: .illegalDataAddress)
                    )
                ]
            ),
            ([.bytes(Self.readSerial + Self.refused)], [Self.exceptionExchange]),
        ])
    }

    static let exceptionExchange = RTUObservation.exchange(
        unit: 1,
        request: .readHoldingRegisters(address: 0x4000, count: 2),
        response: .exception(function: .readHoldingRegisters, code: .illegalDataAddress)
    )

    @Test func writesAndTheirConfirmations() {
        Self.verify([
            (
                [.bytes(Self.tariffWrite), .silence, .bytes(Self.tariffWrite), .silence],
                [
                    .exchange(
                        unit: 1,
                        request: .writeSingleRegister(address: 0x6048, value: 2),
                        response: .writeSingleRegister(address: 0x6048, value: 2)
                    )
                ]
            ),
            (
                [.bytes(Self.s0Write + Self.s0WriteReply)],
                [
                    .exchange(
                        unit: 1,
                        request: .writeMultipleRegisters(address: 0x400D, values: [0x4120, 0]),
                        response: .writeMultipleRegisters(address: 0x400D, count: 2)
                    )
                ]
            ),
            (
                [
                    .bytes(RTUFraming.encode(unit: 0, request: .writeSingleRegister(address: 0x6048, value: 1))),
                    .silence,
                ],
                [.unanswered(unit: 0, request: .writeSingleRegister(address: 0x6048, value: 1))]
            ),
        ])
    }

    @Test func crcErrorIsCountedAndNothingIsPairedWithIt() {
        var corrupt = Self.l1VoltageReply
        corrupt[corrupt.count - 1] ^= 0xFF
        let input: [LineSegment] = [
            .bytes(Self.readL1Voltage), .silence, .bytes(corrupt), .silence,
            .bytes(Self.readL1Voltage), .silence, .bytes(Self.l1VoltageReply), .silence,
        ]
        let expected = [
            RTUObservation.unanswered(unit: 1, request: .readHoldingRegisters(address: 0x5002, count: 2)),
            Self.l1Exchange,
        ]
        Self.verify([(input, expected)])
        var decoder = RTUListenDecoder()
        var seen: [RTUObservation] = []
        for segment in input {
            if case .bytes(let b) = segment { decoder.append(b) } else { decoder.silence() }
            while let o = decoder.decode() { seen.append(o) }
        }
        #expect(seen == expected)
        #expect(decoder.counters.crcErrors == 1)
        #expect(decoder.counters.skippedBytes == corrupt.count)
        #expect(decoder.counters.frames == 3)
        #expect(decoder.counters.exchanges == 1)
        #expect(decoder.counters.unanswered == 1)
    }

    @Test func strayByteBeforeAReplyIsNoCRCError() {
        var decoder = RTUListenDecoder()
        decoder.append(Self.readL1Voltage)
        decoder.silence()
        decoder.append([0x00] + Self.l1VoltageReply)
        decoder.silence()
        #expect(decoder.decode() == Self.l1Exchange)
        #expect(decoder.decode() == nil)
        #expect(decoder.counters.skippedBytes == 1)
        #expect(decoder.counters.crcErrors == 0)
    }

    @Test func garbageBeforeAndBetweenFramesIsSkipped() {
        let noise: [UInt8] = [0xFF, 0x00, 0x13, 0x01, 0x10, 0x00]
        Self.verify([
            ([.bytes(noise), .silence, .bytes(Self.readL1Voltage + Self.l1VoltageReply), .silence], [Self.l1Exchange]),
            ([.bytes(noise + Self.readL1Voltage), .bytes(Self.l1VoltageReply), .silence], [Self.l1Exchange]),
            // A truncated frame, cut short by a silence, does not swallow the exchange behind it.
            (
                [.bytes(Array(Self.s0Write.prefix(7))), .silence, .bytes(Self.readL1Voltage + Self.l1VoltageReply)],
                [Self.l1Exchange]
            ),
        ])
    }

    @Test func replyHeardWithoutItsRequestAndOtherFunctions() {
        let readInput = CRC16.appending(to: bytes("01 04 00 00 00 01"))
        let inputReply = CRC16.appending(to: bytes("01 04 02 00 2A"))
        Self.verify([
            (
                [
                    .bytes(Self.l1VoltageReply), .silence, .bytes(Self.readL1Voltage), .silence,
                    .bytes(Self.l1VoltageReply),
                ],
                [.unpairedResponse(unit: 1, response: .readHoldingRegisters([0x4366, 0x4CCD])), Self.l1Exchange]
            ),
            (
                [.bytes(readInput + inputReply + Self.readL1Voltage + Self.l1VoltageReply)],
                [.otherFunction(unit: 1, functionByte: 0x04), Self.l1Exchange]
            ),
        ])
    }

    @Test func roundTripsThroughTheEncoder() {
        var generator = SplitMix64(seed: 12)
        var vectors: [(input: [LineSegment], frames: [RTUObservation])] = []
        for _ in 0..<40 {
            let unit = UnitID.random(in: 1...247, using: &generator)
            let address = UInt16.random(in: 0...0xFF00, using: &generator)
            let values = (0..<Int.random(in: 1...125, using: &generator)).map { _ in
                UInt16.random(in: 0...0xFFFF, using: &generator)
            }
            let request: ModbusRequest
            switch Int.random(in: 0...2, using: &generator) {
            case 0: request = .readHoldingRegisters(address: address, count: values.count)
            case 1: request = .writeSingleRegister(address: address, value: values[0])
            default: request = .writeMultipleRegisters(address: address, values: Array(values.prefix(123)))
            }
            let response = ModbusResponse.success(for: request, registers: values)
            let wire =
                RTUFraming.encode(unit: unit, request: request) + RTUFraming.encode(unit: unit, response: response)
            let silent = Bool.random(using: &generator)
            vectors.append(
                (
                    silent ? [.bytes(wire), .silence] : [.bytes(wire)],
                    [.exchange(unit: unit, request: request, response: response)]
                )
            )
        }
        Self.verify(vectors)
    }
}
