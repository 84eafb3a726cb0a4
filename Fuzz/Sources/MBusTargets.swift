import MBus

/// M-Bus link-layer frames (EN 13757-2) and the variable data structure (EN 13757-3).
enum MBusTargets {
    /// Byte 0 picks the chunk sizes; the rest is the received byte stream. A malformed frame throws after
    /// consuming its start byte, so decoding goes on until the decoder needs more bytes.
    @Sendable static func frame(_ input: [UInt8]) {
        guard let sizes = input.first else { return }
        var decoder = MBusFrameDecoder()
        decodeInChunks(
            input[1...],
            sizes: sizes,
            append: { decoder.append($0) },
            decode: { try decoder.decode() != nil }
        )
    }

    /// Byte 0 is the CI field, the rest the user data after it.
    @Sendable static func variableData(_ input: [UInt8]) {
        guard let ci = input.first else { return }
        _ = try? VariableDataDecoder.decode(ci: ci, data: Array(input[1...]))
    }
}
