/// The block check character of IEC 62056-21 (clause 6.3.4, "BCC").
///
/// The XOR of every character after the first SOH or STX up to and including the ETX (or EOT), over 7-bit data:
/// a character's parity bit is not part of it (`SevenBit` explains where the parity bit can come from).
package enum BCC {
    /// The BCC of `bytes` (the span after STX up to and including ETX), bit 7 of each byte ignored.
    package static func compute(_ bytes: some Sequence<UInt8>) -> UInt8 {
        bytes.reduce(0) { $0 ^ ($1 & 0x7F) }
    }
}
