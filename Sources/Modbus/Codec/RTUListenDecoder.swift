import CodecSupport

/// Frames and pairs the traffic of a Modbus RTU line that another master polls, as a listener that never
/// transmits: a pure value fed with received bytes and with the silences between them.
///
/// Input: `append(_:)` with the bytes as they arrive, and `silence()` whenever the line was quiet for at least
/// 3.5 character times (the transport measures that; this value never looks at a clock). Output: `decode()`
/// returns the next `RTUObservation`, or `nil` when more input is needed (NIO's single-step contract).
///
/// Framing, both ways at once (Modbus over Serial Line V1.02, 2.5.1.1):
/// - by expected length: a request's length follows from its function (8 bytes for 01 to 06, 9 + byte count for
///   15 and 16), a reply's from its function and byte count, an exception reply is 5 bytes. Back-to-back frames
///   (a reply right behind its request, the next request right behind a reply) are cut by length alone.
/// - by silence: a frame never spans a silence, so a candidate that the next silence cuts short is dropped at
///   once instead of waiting for bytes that belong to the next frame.
///
/// At each position the candidates are tried in a fixed order: the reply to the request awaiting one (same unit,
/// same function or its exception, the byte count the request's quantity implies), then a request, then a reply
/// nobody asked for. A candidate is taken only when complete and CRC-valid; while the first candidate still in
/// play needs more bytes, the decoder waits, so the result never depends on how the bytes were cut into reads.
/// When no candidate fits, one byte is dropped and the scan resumes (resynchronisation after garbage).
///
/// Pairing: a request waits for its reply until the next request arrives, which ends it as `.unanswered`; a
/// broadcast (unit 0) is `.unanswered` at once. Nothing here knows the PRO380: the observations go to the bridge,
/// which decodes the registers through the register table.
package struct RTUListenDecoder: Sendable, Equatable {
    private struct PendingRequest: Sendable, Equatable {
        var unit: UnitID
        var pdu: [UInt8]
    }

    private enum Candidate {
        case reply(PendingRequest)
        case request
        case unpairedReply
    }

    private var accumulator = ByteAccumulator()
    /// The stream offset of the first unread byte.
    private var offset = 0
    /// The stream offset just past the last byte received.
    private var received = 0
    /// Stream offsets (ascending, past `offset`) where the line fell silent.
    private var silences: [Int] = []
    /// Whether a frame is due at the first unread byte (after a silence or right after a frame): a failed CRC
    /// there is a CRC error; during resynchronisation it is just garbage.
    private var atFrameStart = true
    /// Where a candidate whose CRC failed at a frame start would have ended: a CRC error, unless a valid frame starts
    /// before that (then the failure was a stray byte's, such as an adapter's `00` before a reply).
    private var suspectedCRCErrorEnd: Int?
    private var pending: PendingRequest?
    private var ready: [RTUObservation] = []

    /// What has been seen so far.
    package private(set) var counters = RTUListenCounters()

    package init() {}

    /// Adds received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        accumulator.append(bytes)
        received += bytes.count
    }

    /// Marks a silence of at least 3.5 character times after the bytes appended so far.
    package mutating func silence() {
        if received == offset {
            atFrameStart = true
        } else if silences.last != received {
            silences.append(received)
        }
    }

    /// The next observation, or `nil` when more bytes (or a silence) are needed. Never throws: corrupt input is
    /// skipped and counted.
    package mutating func decode() -> RTUObservation? {
        while ready.isEmpty, step() {}
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Takes one frame or drops one byte; `false` when the first candidate in play needs more input.
    private mutating func step() -> Bool {
        let unread = accumulator.unread
        guard let unit = unread.first else { return false }
        let open = silences.isEmpty
        let limit = silences.first.map { $0 - offset } ?? unread.count
        let body = unread.dropFirst().prefix(limit - 1)
        var shortestFailure: Int?
        for candidate in candidates(unit: unit) {
            let length: PDULength
            switch candidate {
            case .reply(let request): length = PDULength.observedResponse(body, answering: request.pdu[...])
            case .request: length = PDULength.observedRequest(body)
            case .unpairedReply: length = PDULength.observedResponse(body)
            }
            switch length {
            case .invalid:
                continue
            case .needMore:
                if open { return false }
                continue
            case .bytes(let pduLength):
                let total = 1 + pduLength + 2
                guard total <= limit else {
                    if open { return false }
                    continue
                }
                let frame = unread.prefix(total)
                guard CRC16.isValid(frame) else {
                    shortestFailure = min(shortestFailure ?? total, total)
                    continue
                }
                guard accept(unit: unit, pdu: Array(frame.dropFirst().dropLast(2)), as: candidate) else { continue }
                settleSuspectedCRCError(frameStart: offset)
                counters.frames += 1
                consume(total)
                atFrameStart = true
                return true
            }
        }
        if let failure = shortestFailure, atFrameStart, suspectedCRCErrorEnd == nil {
            suspectedCRCErrorEnd = offset + failure
        }
        counters.skippedBytes += 1
        atFrameStart = false
        consume(1)
        settleSuspectedCRCError(frameStart: nil)
        return true
    }

    /// Counts the suspected CRC error once resynchronisation has passed its end, or forgets it when a valid frame
    /// starts inside it (at `frameStart`).
    private mutating func settleSuspectedCRCError(frameStart: Int?) {
        guard let end = suspectedCRCErrorEnd else { return }
        if let frameStart, frameStart < end {
            suspectedCRCErrorEnd = nil
        } else if frameStart != nil || offset >= end {
            counters.crcErrors += 1
            suspectedCRCErrorEnd = nil
        }
    }

    private func candidates(unit: UnitID) -> [Candidate] {
        var list: [Candidate] = []
        if let pending, pending.unit == unit { list.append(.reply(pending)) }
        if unit <= 247 { list.append(.request) }
        if (1...247).contains(unit) { list.append(.unpairedReply) }
        return list
    }

    /// Records a delimited, CRC-valid frame; `false` when a reply does not fit the request after all.
    private mutating func accept(unit: UnitID, pdu: [UInt8], as candidate: Candidate) -> Bool {
        switch candidate {
        case .reply(let request):
            guard Self.fits(reply: pdu, request: request.pdu) else { return false }
            pending = nil
            counters.exchanges += 1
            ready.append(Self.exchange(unit: unit, request: request.pdu, reply: pdu))
        case .request:
            if let earlier = pending {
                counters.unanswered += 1
                ready.append(Self.unanswered(unit: earlier.unit, request: earlier.pdu))
                pending = nil
            }
            if unit == UnitID.broadcast {
                counters.unanswered += 1
                ready.append(Self.unanswered(unit: unit, request: pdu))
            } else {
                pending = PendingRequest(unit: unit, pdu: pdu)
            }
        case .unpairedReply:
            counters.unpairedResponses += 1
            ready.append(
                (try? PDUCodec.decodeResponse(pdu[...])).map { .unpairedResponse(unit: unit, response: $0) }
                    ?? .otherFunction(unit: unit, functionByte: pdu[0])
            )
        }
        return true
    }

    /// Whether a reply whose length and function already fit `request` also echoes it where the function says so:
    /// 05 and 06 echo the whole request, 15 and 16 its address and quantity.
    private static func fits(reply: [UInt8], request: [UInt8]) -> Bool {
        if reply[0] & 0x80 != 0 { return true }
        switch reply[0] {
        case 0x05, 0x06: return reply == request
        case 0x0F, 0x10: return reply.count == 5 && request.count >= 5 && reply[1...4] == request[1...4]
        default: return true
        }
    }

    private static func exchange(unit: UnitID, request: [UInt8], reply: [UInt8]) -> RTUObservation {
        guard case .request(let decoded) = PDUCodec.decodeRequest(request[...]),
            let response = try? PDUCodec.decodeResponse(reply[...])
        else {
            return .otherFunction(unit: unit, functionByte: request[0])
        }
        return .exchange(unit: unit, request: decoded, response: response)
    }

    private static func unanswered(unit: UnitID, request: [UInt8]) -> RTUObservation {
        guard case .request(let decoded) = PDUCodec.decodeRequest(request[...]) else {
            return .otherFunction(unit: unit, functionByte: request[0])
        }
        return .unanswered(unit: unit, request: decoded)
    }

    private mutating func consume(_ count: Int) {
        accumulator.consume(count)
        offset += count
        while let first = silences.first, first <= offset {
            silences.removeFirst()
            if first == offset { atFrameStart = true }
        }
    }
}
