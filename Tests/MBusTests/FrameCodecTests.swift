import TestSupport
import Testing

@testable import MBus

/// Link layer: the manual's frames (appendix 2, A2.2 "Write" table and REQ_UD2 row) as golden vectors.
@Suite struct FrameCodecTests {
    struct Vector: Sendable, CustomStringConvertible {
        let name: String
        let frame: MBusFrame
        let wire: String
        var description: String { name }
    }

    /// Every checksum here was computed as the byte sum from C to the last data byte, modulo 256 (the manual
    /// prints the write frames without their checksums).
    static let manualVectors: [Vector] = [
        Vector(name: "REQ_UD2 to 0", frame: .short(control: .reqUD2(fcb: false), address: 0), wire: "10 5B 00 5B 16"),
        Vector(name: "SND_NKE to 1", frame: .short(control: .sndNKE, address: 1), wire: "10 40 01 41 16"),
        Vector(
            name: "baud rate 2400",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0xBB, data: []),
            wire: "68 03 03 68 53 01 BB 0F 16"
        ),
        Vector(
            name: "primary address 1",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("01 7A 01")),
            wire: "68 06 06 68 53 01 51 01 7A 01 21 16"
        ),
        Vector(
            name: "secondary address",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("0C 79 15 01 23 45")),
            wire: "68 09 09 68 53 01 51 0C 79 15 01 23 45 A8 16"
        ),
        Vector(
            name: "tariff 2",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("09 7C 01 54 02")),
            wire: "68 08 08 68 53 01 51 09 7C 01 54 02 81 16"
        ),
        Vector(
            name: "combination code 5",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("09 FD 3A 05")),
            wire: "68 07 07 68 53 01 51 09 FD 3A 05 EA 16"
        ),
        Vector(
            name: "S0 rate 100",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("0C FD 3A 00 00 01 00")),
            wire: "68 0A 0A 68 53 01 51 0C FD 3A 00 00 01 00 E9 16"
        ),
        Vector(
            name: "resettable kWh",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("0C 04 00 00 00 00")),
            wire: "68 09 09 68 53 01 51 0C 04 00 00 00 00 B5 16"
        ),
        Vector(
            name: "power-down counter",
            frame: .long(control: .sndUD(fcb: false), address: 1, ci: 0x51, data: bytes("0A FD 60 00 00")),
            wire: "68 08 08 68 53 01 51 0A FD 60 00 00 0C 16"
        ),
        Vector(
            name: "select 13070001 INM v1 electricity",
            frame: .long(control: .sndUD(fcb: false), address: 0xFD, ci: 0x52, data: bytes("01 00 07 13 CD 25 01 02")),
            wire: "68 0B 0B 68 53 FD 52 01 00 07 13 CD 25 01 02 B2 16"
        ),
        Vector(name: "E5", frame: .ack, wire: "E5"),
    ]

    @Test(arguments: manualVectors)
    func encodesManualFrame(_ vector: Vector) {
        #expect(hexString(MBusFrameEncoder.encode(vector.frame)) == vector.wire)
    }

    @Test(arguments: manualVectors)
    func decodesManualFrame(_ vector: Vector) {
        let failures = DecoderVerifier.verify(
            [(bytes(vector.wire), [vector.frame])],
            makeDecoder: { MBusFrameDecoder() }
        )
        #expect(failures == [])
    }

    @Test func decodesConcatenatedFrames() {
        let vectors = Self.manualVectors.map { (input: bytes($0.wire), frames: [$0.frame]) }
        #expect(DecoderVerifier.verify(vectors, makeDecoder: { MBusFrameDecoder() }) == [])
    }

    @Test func needsMoreBytesForPartialFrames() throws {
        let wire = bytes("68 08 08 68 53 01 51 09 7C 01 54 02 81 16")
        for count in 0..<wire.count {
            var decoder = MBusFrameDecoder()
            decoder.append(wire[..<count])
            #expect(try decoder.decode() == nil)
            #expect(decoder.bufferedByteCount == count)
        }
    }

    static let malformed: [(String, MBusError)] = [
        ("10 5B 00 5C 16", .checksumMismatch(computed: 0x5B, received: 0x5C)),
        ("10 5B 00 5B 17", .missingStopByte(found: 0x17)),
        ("68 03 04 68 53 01 BB 0F 16", .lengthMismatch(first: 3, second: 4)),
        ("68 02 02 68 53 01 54 16", .invalidLength(2)),
        ("68 03 03 67 53 01 BB 0F 16", .invalidFrameStart(found: 0x67)),
        ("68 03 03 68 53 01 BB 0F 15", .missingStopByte(found: 0x15)),
        ("68 03 03 68 53 01 BB 10 16", .checksumMismatch(computed: 0x0F, received: 0x10)),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedFrame(_ wire: String, _ expected: MBusError) {
        var decoder = MBusFrameDecoder()
        decoder.append(bytes(wire))
        #expect(throws: expected) { try decoder.decode() }
    }

    @Test func resynchronisesAfterGarbage() throws {
        // Noise, a frame with a bad checksum, then a good REQ_UD2: the good frame still comes out.
        var decoder = MBusFrameDecoder()
        decoder.append(bytes("00 FF 10 5B 00 5C 16 10 5B 00 5B 16"))
        #expect(throws: MBusError.checksumMismatch(computed: 0x5B, received: 0x5C)) { try decoder.decode() }
        #expect(try decoder.decode() == .short(control: .reqUD2(fcb: false), address: 0))
        #expect(try decoder.decode() == nil)
        #expect(decoder.skippedByteCount >= 2)
    }

    @Test func controlFieldBits() {
        #expect(ControlField.reqUD2(fcb: true).rawValue == 0x7B)
        #expect(ControlField.reqUD2(fcb: true).fcb && ControlField.reqUD2(fcb: true).fcv)
        #expect(!ControlField.sndNKE.fcv)
        #expect(ControlField.sndUD(fcb: true).rawValue == 0x73)
        #expect(ControlField.rspUD(acd: true, dfc: true).rawValue == 0x38)
        #expect(ControlField(rawValue: 0x18).isRspUD && ControlField(rawValue: 0x08).isRspUD)
        #expect(ControlField(rawValue: 0x7B).with(fcb: false) == .reqUD2(fcb: false))
    }
}
