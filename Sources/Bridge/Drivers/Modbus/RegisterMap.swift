/// Which Modbus register map a PRO380 answers, learnt at first contact.
///
/// The manual (A3.1) documents one map (0x4000, 0x5000 and 0x6000 areas, A3.2) and adds: "the old (V1.14) Modbus
/// registers still can be used", without giving the old addresses. Meters with firmware from before the current
/// map exist in the field: they answer, but refuse the current map with exception 02 (illegal data address). The
/// bridge can only read the current map; the old one is detected and explained, never decoded. The raw value is
/// `register_map` in the meter's diagnostics.
package enum RegisterMap: String, Sendable, Equatable {
    /// The map of manual A3.2: the meter answers 0x4000 (or at least one area of it).
    case current
    /// The meter answers but refuses the identity (0x4000) and energy (0x6000) areas with exception 02: firmware
    /// from before the current map (the old V1.14 registers).
    case legacyV114 = "legacy_v1.14"

    /// What the bridge says about a meter on the old map, in the log, the `read`/`scan` output and command
    /// answers: which map, why nothing is published, what to do.
    package static func legacyDiagnosis(unit: Int) -> String {
        "the meter at unit \(unit) answers, but refuses the PRO380 register map of the manual (A3.2) with exception 02 "
            + "at 0x4000 and 0x6000: it looks like firmware from before that map (the old V1.14 registers), which "
            + "this bridge cannot decode (the manual does not give the old map), so nothing is published for it. "
            + "Ask Inepro or the supplier for a firmware update, or read the meter through its optical port "
            + "(an iec62056 bus: every PRO380 has one, manual appendix 4)"
    }
}
