/// One EN 13757-2 link-layer frame (5.2, FT1.2 format class).
///
/// Byte layouts:
/// - single character: `E5` (acknowledgement);
/// - short frame: `10 C A CS 16`;
/// - control frame: `68 03 03 68 C A CI CS 16` (a long frame without data);
/// - long frame: `68 L L 68 C A CI data CS 16`, L = 3 + data count (at most 255).
///
/// CS is the byte sum modulo 256 from C to the last data byte (`MBusChecksum`). A control frame is represented
/// as `.long` with empty `data`: it is the same structure on the wire, and keeping one case makes every frame
/// round-trip through encoder and decoder unchanged.
package enum MBusFrame: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The single character `E5`: a slave's positive acknowledgement.
    case ack
    /// A short frame: SND_NKE, REQ_UD1/2.
    case short(control: ControlField, address: UInt8)
    /// A control or long frame: SND_UD, RSP_UD, selection, baud-rate change.
    case long(control: ControlField, address: UInt8, ci: UInt8, data: [UInt8])

    /// The largest data part of a long frame: L is one byte and counts C, A and CI too.
    package static let maximumDataCount = 252

    package var description: String {
        switch self {
        case .ack: return "E5"
        case .short(let c, let a): return "short \(c) A=\(hex(a))"
        case .long(let c, let a, let ci, let data): return "long \(c) A=\(hex(a)) CI=\(hex(ci)) data=[\(hex(data))]"
        }
    }
}

/// The well-known primary addresses (EN 13757-2, 5.5; manual A2.1).
package enum MBusPrimaryAddress {
    /// The highest address a meter may be given (0 ... 250).
    package static let highestAssignable: UInt8 = 250
    /// 253 (FD): the meter chosen by a secondary-address selection.
    package static let networkLayer: UInt8 = 253
    /// 254 (FE): broadcast, every slave replies (only for a lone meter on the bus).
    package static let broadcastWithReply: UInt8 = 254
    /// 255 (FF): broadcast, no slave replies.
    package static let broadcastNoReply: UInt8 = 255
}
