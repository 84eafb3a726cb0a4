/// The C field of an M-Bus link-layer frame (EN 13757-2, 5.4; m-bus.com "C Field").
///
/// Bit layout, master to slave: `0 PRM=1 FCB FCV F3 F2 F1 F0`; slave to master: `0 PRM=0 ACD DFC F3 F2 F1 F0`.
/// The frame count bit (FCB) toggles with every successful exchange that has the frame count valid bit (FCV) set,
/// so a slave that receives the same FCB twice repeats its last reply instead of moving on.
package struct ControlField: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    package var rawValue: UInt8

    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// SND_NKE `0x40`: resets the slave's link layer (its FCB expectation); answered by E5.
    package static let sndNKE = ControlField(rawValue: 0x40)

    /// REQ_UD2 `0x5B` / `0x7B`: requests class-2 user data; answered by RSP_UD.
    package static func reqUD2(fcb: Bool) -> ControlField { ControlField(rawValue: fcb ? 0x7B : 0x5B) }

    /// REQ_UD1 `0x5A` / `0x7A`: requests class-1 (alarm) data.
    package static func reqUD1(fcb: Bool) -> ControlField { ControlField(rawValue: fcb ? 0x7A : 0x5A) }

    /// SND_UD `0x53` / `0x73`: sends user data (writes, selection, baud-rate change); answered by E5.
    package static func sndUD(fcb: Bool) -> ControlField { ControlField(rawValue: fcb ? 0x73 : 0x53) }

    /// RSP_UD `0x08` (plus ACD `0x20` and DFC `0x10` bits): the slave's user-data response.
    package static func rspUD(acd: Bool = false, dfc: Bool = false) -> ControlField {
        ControlField(rawValue: 0x08 | (acd ? 0x20 : 0) | (dfc ? 0x10 : 0))
    }

    /// Whether the frame goes from master to slave (PRM bit `0x40`).
    package var isFromMaster: Bool { rawValue & 0x40 != 0 }
    /// The frame count bit (`0x20`, master to slave only).
    package var fcb: Bool { isFromMaster && rawValue & 0x20 != 0 }
    /// The frame count valid bit (`0x10`, master to slave only).
    package var fcv: Bool { isFromMaster && rawValue & 0x10 != 0 }
    /// The function code (low nibble).
    package var function: UInt8 { rawValue & 0x0F }

    /// Whether this is a RSP_UD from a slave, whatever its ACD and DFC bits.
    package var isRspUD: Bool { rawValue & 0xCF == 0x08 }
    /// Whether this is a REQ_UD2 whatever its FCB.
    package var isReqUD2: Bool { rawValue & 0xDF == 0x5B }
    /// Whether this is a SND_UD whatever its FCB.
    package var isSndUD: Bool { rawValue & 0xDF == 0x53 }

    /// The same field with the FCB set or cleared.
    package func with(fcb: Bool) -> ControlField {
        ControlField(rawValue: fcb ? rawValue | 0x20 : rawValue & ~0x20)
    }

    package var description: String { "C=\(hex(rawValue))" }
}

/// Two upper-case hex digits.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

/// Bytes as upper-case hex pairs separated by spaces: `68 03 03 68`.
func hex(_ bytes: [UInt8]) -> String { bytes.map { hex($0) }.joined(separator: " ") }
