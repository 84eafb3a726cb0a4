/// Encodes link-layer frames to bytes (EN 13757-2, 5.2). Pure.
package enum MBusFrameEncoder {
    /// The bytes of `frame`, checksum and stop byte included.
    /// - Precondition: a long frame's data holds at most `MBusFrame.maximumDataCount` bytes (the caller checks;
    ///   `VariableDataStructure` encoders never produce more).
    package static func encode(_ frame: MBusFrame) -> [UInt8] {
        switch frame {
        case .ack:
            return [0xE5]
        case .short(let control, let address):
            return [0x10, control.rawValue, address, MBusChecksum.compute([control.rawValue, address]), 0x16]
        case .long(let control, let address, let ci, let data):
            precondition(data.count <= MBusFrame.maximumDataCount, "M-Bus long frame data over 252 bytes")
            let length = UInt8(3 + data.count)
            let body = [control.rawValue, address, ci] + data
            return [0x68, length, length, 0x68] + body + [MBusChecksum.compute(body), 0x16]
        }
    }
}
