/// The M-Bus frame checksum (EN 13757-2, 5.3; manual A2.2 "CRC type SUM").
package enum MBusChecksum {
    /// The arithmetic sum modulo 256 of `bytes` (from the C field to the last data byte).
    package static func compute<C: Collection<UInt8>>(_ bytes: C) -> UInt8 {
        bytes.reduce(UInt8(0)) { $0 &+ $1 }
    }
}
