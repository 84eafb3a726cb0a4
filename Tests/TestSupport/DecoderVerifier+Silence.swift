import CodecSupport

/// A single-step decoder that is also told when the line fell silent (a Modbus RTU listener frames by the
/// 3.5-character silence as well as by length).
package protocol SilenceAwareDecoder: SingleStepDecoder {
    /// The line was quiet after the bytes fed so far.
    mutating func silence()
}

/// One piece of what a line carries: bytes, or a silence between them.
package enum LineSegment: Equatable, Sendable {
    case bytes([UInt8])
    case silence
}

extension DecoderVerifier {
    /// Verifies vectors of bytes and silences the way `verify(_:makeDecoder:seed:randomRuns:)` verifies byte vectors:
    /// every byte segment is fed whole, one byte at a time and in random chunk sizes (silences stay where they are,
    /// between the segments), each vector alone and all of them concatenated.
    /// - Returns: every failing run; empty when all agree.
    package static func verify<D: SilenceAwareDecoder>(
        segments vectors: [(input: [LineSegment], frames: [D.Frame])],
        makeDecoder: () -> D,
        seed: UInt64 = 0x5EED,
        randomRuns: Int = 8
    ) -> [Failure] {
        var failures: [Failure] = []
        var generator = SplitMix64(seed: seed)
        func check(_ name: String, _ input: [LineSegment], _ expected: [D.Frame], chunk: (LineSegment) -> [LineSegment])
        {
            var decoder = makeDecoder()
            var frames: [D.Frame] = []
            do {
                for piece in input.flatMap(chunk) {
                    switch piece {
                    case .bytes(let bytes): decoder.feed(bytes[...])
                    case .silence: decoder.silence()
                    }
                    while let frame = try decoder.decode() { frames.append(frame) }
                }
            } catch {
                failures.append(Failure(feeding: name, detail: "threw \(error)"))
                return
            }
            if frames != expected {
                failures.append(Failure(feeding: name, detail: "decoded \(frames), expected \(expected)"))
            }
        }
        func byteByByte(_ piece: LineSegment) -> [LineSegment] {
            guard case .bytes(let bytes) = piece else { return [piece] }
            return bytes.map { .bytes([$0]) }
        }
        func randomly(_ piece: LineSegment) -> [LineSegment] {
            guard case .bytes(let bytes) = piece else { return [piece] }
            return randomChunks(bytes, &generator).map { .bytes(Array($0)) }
        }
        let all = vectors.flatMap(\.input)
        let allFrames = vectors.flatMap(\.frames)
        let runs =
            vectors.enumerated().map { ("vector \($0.offset)", $0.element.input, $0.element.frames) }
            + [("concatenated", all, allFrames)]
        for (name, input, frames) in runs {
            check("\(name) whole", input, frames) { [$0] }
            check("\(name) byte by byte", input, frames, chunk: byteByByte)
            for run in 0..<randomRuns {
                check("\(name) random chunks #\(run)", input, frames, chunk: randomly)
            }
        }
        return failures
    }
}
