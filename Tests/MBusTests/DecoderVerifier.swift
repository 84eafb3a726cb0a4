import Foundation

@testable import MBus

/// Feeds the same bytes to a fresh `MBusFrameDecoder` in several ways (whole, one byte at a time, random chunk
/// sizes) and returns the frames each way produced, so a test can require that they all agree (the NIO
/// `ByteToMessageDecoderVerifier` idea, local to this target).
enum DecoderVerifier {
    enum Feeding: CaseIterable, Sendable {
        case whole, byteByByte, randomChunks
    }

    /// Decodes `bytes` fed as `feeding`; thrown errors are collected as frames are, in order.
    static func frames(_ bytes: [UInt8], feeding: Feeding, seed: UInt64 = 42) -> [Result<MBusFrame, MBusError>] {
        var decoder = MBusFrameDecoder()
        var results: [Result<MBusFrame, MBusError>] = []
        var generator = SplitMix(seed: seed)
        var index = 0
        while index < bytes.count {
            let size: Int
            switch feeding {
            case .whole: size = bytes.count
            case .byteByByte: size = 1
            case .randomChunks: size = Int(generator.next() % 7) + 1
            }
            let end = min(bytes.count, index + size)
            decoder.append(bytes[index..<end])
            index = end
            drain(&decoder, into: &results)
        }
        drain(&decoder, into: &results)
        return results
    }

    private static func drain(_ decoder: inout MBusFrameDecoder, into results: inout [Result<MBusFrame, MBusError>]) {
        while true {
            do {
                guard let frame = try decoder.decode() else { return }
                results.append(.success(frame))
            } catch let error as MBusError {
                results.append(.failure(error))
            } catch {
                preconditionFailure("MBusFrameDecoder threw \(error)")
            }
        }
    }
}

/// A tiny deterministic generator so random chunking is reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5B9_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses `"68 03 03 68"` into bytes.
func bytes(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// Formats bytes as `"68 03 03 68"`.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
}
