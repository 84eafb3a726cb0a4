import IEC62056

/// IEC 62056-21 mode C: the data block parser, and the data message decoder around it (STX ... ETX BCC).
enum IEC62056Targets {
    /// The input as a data block, and as a received byte stream (byte 0 picks the chunk sizes).
    @Sendable static func dataBlock(_ input: [UInt8]) {
        _ = try? DataBlockParser.parse(input)
        guard let sizes = input.first else { return }
        var decoder = DataMessageDecoder(maximumLength: 4096)
        decodeInChunks(
            input[1...],
            sizes: sizes,
            append: { decoder.append($0) },
            decode: { try decoder.decode() != nil }
        )
    }
}
