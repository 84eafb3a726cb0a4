/// 7-bit characters on 8-bit lines.
///
/// IEC 62056-21 sends 7 data bits with even parity (7E1, clause 6.3.14). A serial port set to 7E1 hands the
/// program 7-bit bytes. A pseudo-terminal, a TCP gateway or a serial port that cannot do 7E1 runs 8N1 instead, and
/// then the peer's parity bit arrives as bit 7 of each byte (`'1' = 0x31` has an odd number of ones, so its even
/// parity bit is 1 and it arrives as `0xB1`). Every IEC 62056-21 character is ASCII, so the decoders clear bit 7 of
/// every received byte before they look at it, and the BCC is computed over the 7-bit characters. On a true 7E1
/// line bit 7 is already 0 and the stripping changes nothing.
package enum SevenBit {
    /// `bytes` with bit 7 cleared.
    package static func strip(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        bytes.map { $0 & 0x7F }
    }

    /// `bytes` as a 7E1 sender would put them on an 8N1 line: bit 7 set to the even parity of the low 7 bits.
    /// For a simulator or a test peer that imitates a 7E1 meter on a pseudo-terminal.
    package static func withEvenParity(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        bytes.map { byte in
            let data = byte & 0x7F
            return data.nonzeroBitCount % 2 == 0 ? data : data | 0x80
        }
    }
}
