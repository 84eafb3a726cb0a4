import Foundation
import TestSupport

@testable import MBus

extension MBusFrameDecoder: SingleStepDecoder {
    package mutating func feed(_ bytes: ArraySlice<UInt8>) { append(bytes) }
}

/// Parses `"68 03 03 68"` into bytes.
func bytes(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// Formats bytes as `"68 03 03 68"`.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
}
