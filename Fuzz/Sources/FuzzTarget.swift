/// One fuzz target: a name (the corpus folder under `Fuzz/Corpus/`) and what it does with an input.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void

    /// Every target, in the order `scripts/fuzz.sh all` runs them.
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "modbus-rtu", run: ModbusTargets.rtuReply),
        FuzzTarget(name: "modbus-tcp", run: ModbusTargets.tcpReply),
        FuzzTarget(name: "mbus-frame", run: MBusTargets.frame),
        FuzzTarget(name: "mbus-variable-data", run: MBusTargets.variableData),
        FuzzTarget(name: "iec62056-data-block", run: IEC62056Targets.dataBlock),
        FuzzTarget(name: "config-yaml", run: BridgeTargets.configuration),
        FuzzTarget(name: "command-payload", run: BridgeTargets.commandPayload),
    ]
}

/// Splits `input` into chunks whose sizes come from `sizes` (1...16 each, cycling), to exercise the decoders'
/// "need more bytes" paths the way a transport delivers a reply in pieces.
func chunks(_ input: ArraySlice<UInt8>, sizes: UInt8) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var start = input.startIndex
    var step = UInt(sizes)
    while start < input.endIndex {
        let size = Int(step % 16) + 1
        step = step &* 31 &+ 7
        let end = min(start + size, input.endIndex)
        result.append(input[start..<end])
        start = end
    }
    return result
}

/// Feeds `input` to a stream decoder in chunks (sizes from `sizes`, as `chunks` cuts them) and, after each chunk,
/// decodes until the decoder needs more bytes. For decoders whose every error consumes what it refused, so decoding
/// goes on after one.
/// - Parameters:
///   - append: hands a chunk to the decoder.
///   - decode: decodes one message; false when the decoder needs more bytes.
func decodeInChunks(
    _ input: ArraySlice<UInt8>,
    sizes: UInt8,
    append: (ArraySlice<UInt8>) -> Void,
    decode: () throws -> Bool
) {
    for chunk in chunks(input, sizes: sizes) {
        append(chunk)
        while true {
            do {
                guard try decode() else { break }
            } catch {
                continue
            }
        }
    }
}
