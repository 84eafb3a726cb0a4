import CodecSupport

/// A decoder that follows NIO's single-step contract: bytes go in with `feed`, and `decode()` returns the next
/// frame or `nil` for "need more bytes", consuming only what it decoded. Codec tests conform their decoders to it
/// (one-line extensions) so `DecoderVerifier` can drive them.
package protocol SingleStepDecoder {
    associatedtype Frame: Equatable
    /// Adds received bytes.
    mutating func feed(_ bytes: ArraySlice<UInt8>)
    /// The next frame, or `nil` when more bytes are needed.
    mutating func decode() throws -> Frame?
}

/// Feeds the same byte vectors to fresh decoders in every way a stream can cut them, the idea of NIO's
/// `ByteToMessageDecoderVerifier`: whole, one byte at a time, in random chunk sizes, and all vectors concatenated.
/// Each way must give exactly the expected frames, in order, with nothing left over.
package enum DecoderVerifier {
    /// One way of feeding that gave the wrong frames.
    package struct Failure: Equatable, CustomStringConvertible {
        package var feeding: String
        package var detail: String
        package var description: String { "\(feeding): \(detail)" }
    }

    /// Verifies `vectors` (input bytes and the frames they must decode to).
    /// - Parameters:
    ///   - makeDecoder: builds a fresh decoder for each run.
    ///   - seed: the random chunking is reproducible from it.
    ///   - randomRuns: how many random chunkings of each vector and of the concatenation.
    /// - Returns: every failing run; empty when all agree.
    package static func verify<D: SingleStepDecoder>(
        _ vectors: [(input: [UInt8], frames: [D.Frame])],
        makeDecoder: () -> D,
        seed: UInt64 = 0x5EED,
        randomRuns: Int = 8
    ) -> [Failure] {
        var failures: [Failure] = []
        var generator = SplitMix64(seed: seed)
        func check(_ name: String, _ chunks: [ArraySlice<UInt8>], _ expected: [D.Frame]) {
            var decoder = makeDecoder()
            var frames: [D.Frame] = []
            do {
                for chunk in chunks {
                    decoder.feed(chunk)
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
        for (index, vector) in vectors.enumerated() {
            check("vector \(index) whole", [vector.input[...]], vector.frames)
            check("vector \(index) byte by byte", vector.input.indices.map { vector.input[$0...$0] }, vector.frames)
            for run in 0..<randomRuns {
                check("vector \(index) random chunks #\(run)", randomChunks(vector.input, &generator), vector.frames)
            }
        }
        let all = vectors.flatMap(\.input)
        let allFrames = vectors.flatMap(\.frames)
        check("concatenated whole", [all[...]], allFrames)
        check("concatenated byte by byte", all.indices.map { all[$0...$0] }, allFrames)
        for run in 0..<randomRuns {
            check("concatenated random chunks #\(run)", randomChunks(all, &generator), allFrames)
        }
        return failures
    }

    static func randomChunks(_ bytes: [UInt8], _ generator: inout SplitMix64) -> [ArraySlice<UInt8>] {
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let size = Int.random(in: 1...max(1, min(16, bytes.count - start)), using: &generator)
            chunks.append(bytes[start..<(start + size)])
            start += size
        }
        return chunks
    }
}
