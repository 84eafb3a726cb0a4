import Foundation

/// The VIF tables of EN 13757-3 (table 10 primary VIF, table 12 FB extension, table 14 FD extension, table 15
/// combinable VIFE), as far as meters like the PRO380 use them; codes without an entry get a `vif_XX`/`fd_XX`/
/// `fb_XX` quantity so nothing is dropped.
package enum VIFTable {
    /// Describes a VIB: quantity, unit, exponent, then the combinable VIFEs folded in.
    package static func describe(_ vib: ValueInformationBlock) -> ValueDescription {
        var description: ValueDescription
        var combinable = vib.extensions[...]
        switch vib.vif {
        case 0x7B:
            description = firstExtension(combinable.first.map { $0 & 0x7F } ?? 0)
            combinable = combinable.dropFirst()
        case 0x7D:
            description = secondExtension(combinable.first.map { $0 & 0x7F } ?? 0)
            combinable = combinable.dropFirst()
        case 0x7C:
            description = ValueDescription(quantity: "plain_text", unit: vib.plainText)
        case 0x7F:
            return ValueDescription(
                quantity: "manufacturer_specific",
                qualifiers: vib.extensions.map { "vife_\(hex($0))" }
            )
        default:
            description = primary(vib.vif)
        }
        for byte in combinable {
            apply(combinableVIFE: byte & 0x7F, to: &description)
            if byte & 0x7F == 0x7F { break }
        }
        return description
    }

    /// Table 10: the primary VIF (`E` bit cleared).
    static func primary(_ vif: UInt8) -> ValueDescription {
        let n = Int(vif & 0x07)
        let nn = Int(vif & 0x03)
        switch vif {
        case 0x00...0x07: return ValueDescription(quantity: "energy", unit: "Wh", exponent: n - 3)
        case 0x08...0x0F: return ValueDescription(quantity: "energy", unit: "J", exponent: n)
        case 0x10...0x17: return ValueDescription(quantity: "volume", unit: "m3", exponent: n - 6)
        case 0x18...0x1F: return ValueDescription(quantity: "mass", unit: "kg", exponent: n - 3)
        case 0x20...0x23: return ValueDescription(quantity: "on_time", unit: timeUnit(nn))
        case 0x24...0x27: return ValueDescription(quantity: "operating_time", unit: timeUnit(nn))
        case 0x28...0x2F: return ValueDescription(quantity: "power", unit: "W", exponent: n - 3)
        case 0x30...0x37: return ValueDescription(quantity: "power", unit: "J/h", exponent: n)
        case 0x38...0x3F: return ValueDescription(quantity: "volume_flow", unit: "m3/h", exponent: n - 6)
        case 0x40...0x47: return ValueDescription(quantity: "volume_flow", unit: "m3/min", exponent: n - 7)
        case 0x48...0x4F: return ValueDescription(quantity: "volume_flow", unit: "m3/s", exponent: n - 9)
        case 0x50...0x57: return ValueDescription(quantity: "mass_flow", unit: "kg/h", exponent: n - 3)
        case 0x58...0x5B: return ValueDescription(quantity: "flow_temperature", unit: "°C", exponent: nn - 3)
        case 0x5C...0x5F: return ValueDescription(quantity: "return_temperature", unit: "°C", exponent: nn - 3)
        case 0x60...0x63: return ValueDescription(quantity: "temperature_difference", unit: "K", exponent: nn - 3)
        case 0x64...0x67: return ValueDescription(quantity: "external_temperature", unit: "°C", exponent: nn - 3)
        case 0x68...0x6B: return ValueDescription(quantity: "pressure", unit: "bar", exponent: nn - 3)
        case 0x6C: return ValueDescription(quantity: "date")
        case 0x6D: return ValueDescription(quantity: "date_time")
        case 0x6E: return ValueDescription(quantity: "hca_units")
        case 0x70...0x73: return ValueDescription(quantity: "averaging_duration", unit: timeUnit(nn))
        case 0x74...0x77: return ValueDescription(quantity: "actuality_duration", unit: timeUnit(nn))
        case 0x78: return ValueDescription(quantity: "fabrication_number")
        case 0x79: return ValueDescription(quantity: "enhanced_identification")
        case 0x7A: return ValueDescription(quantity: "bus_address")
        case 0x7E: return ValueDescription(quantity: "any_vif")
        default: return ValueDescription(quantity: "vif_\(hex(vif))")
        }
    }

    /// Table 14: the FD (second extension) table.
    static func secondExtension(_ code: UInt8) -> ValueDescription {
        let nn = Int(code & 0x03)
        let nnnn = Int(code & 0x0F)
        switch code {
        case 0x00...0x03: return ValueDescription(quantity: "credit", exponent: nn - 3)
        case 0x04...0x07: return ValueDescription(quantity: "debit", exponent: nn - 3)
        case 0x08: return ValueDescription(quantity: "access_number")
        case 0x09: return ValueDescription(quantity: "medium")
        case 0x0A: return ValueDescription(quantity: "manufacturer")
        case 0x0B: return ValueDescription(quantity: "parameter_set_identification")
        case 0x0C: return ValueDescription(quantity: "model_version")
        case 0x0D: return ValueDescription(quantity: "hardware_version")
        case 0x0E: return ValueDescription(quantity: "firmware_version")
        case 0x0F: return ValueDescription(quantity: "software_version")
        case 0x10: return ValueDescription(quantity: "customer_location")
        case 0x11: return ValueDescription(quantity: "customer")
        case 0x16: return ValueDescription(quantity: "password")
        case 0x17: return ValueDescription(quantity: "error_flags")
        case 0x18: return ValueDescription(quantity: "error_mask")
        case 0x1A: return ValueDescription(quantity: "digital_output")
        case 0x1B: return ValueDescription(quantity: "digital_input")
        case 0x1C: return ValueDescription(quantity: "baud_rate", unit: "Bd")
        case 0x1D: return ValueDescription(quantity: "response_delay_time", unit: "bit times")
        case 0x1E: return ValueDescription(quantity: "retry")
        case 0x2C...0x2F: return ValueDescription(quantity: "duration_since_last_readout", unit: timeUnit(nn))
        case 0x3A: return ValueDescription(quantity: "dimensionless")
        case 0x40...0x4F: return ValueDescription(quantity: "voltage", unit: "V", exponent: nnnn - 9)
        case 0x50...0x5F: return ValueDescription(quantity: "current", unit: "A", exponent: nnnn - 12)
        case 0x60: return ValueDescription(quantity: "reset_counter")
        case 0x61: return ValueDescription(quantity: "cumulation_counter")
        case 0x62: return ValueDescription(quantity: "control_signal")
        case 0x63: return ValueDescription(quantity: "day_of_week")
        case 0x64: return ValueDescription(quantity: "week_number")
        case 0x65: return ValueDescription(quantity: "time_point_of_day_change")
        case 0x66: return ValueDescription(quantity: "state_of_parameter_activation")
        case 0x67: return ValueDescription(quantity: "special_supplier_information")
        case 0x68...0x6B: return ValueDescription(quantity: "duration_since_last_cumulation", unit: hourUnit(nn))
        case 0x6C...0x6F: return ValueDescription(quantity: "battery_operating_time", unit: hourUnit(nn))
        case 0x70: return ValueDescription(quantity: "battery_change_date_time")
        default: return ValueDescription(quantity: "fd_\(hex(code))")
        }
    }

    /// Table 12: the FB (first extension) table, the large-unit entries.
    static func firstExtension(_ code: UInt8) -> ValueDescription {
        let n = Int(code & 0x01)
        switch code {
        case 0x00...0x01: return ValueDescription(quantity: "energy", unit: "Wh", exponent: n - 1 + 6)
        case 0x08...0x09: return ValueDescription(quantity: "energy", unit: "J", exponent: n - 1 + 9)
        case 0x10...0x11: return ValueDescription(quantity: "volume", unit: "m3", exponent: n + 2)
        case 0x18...0x19: return ValueDescription(quantity: "mass", unit: "kg", exponent: n + 2 + 3)
        case 0x28...0x29: return ValueDescription(quantity: "power", unit: "W", exponent: n - 1 + 6)
        case 0x30...0x31: return ValueDescription(quantity: "power", unit: "J/h", exponent: n - 1 + 9)
        default: return ValueDescription(quantity: "fb_\(hex(code))")
        }
    }

    /// Table 15: a combinable (orthogonal) VIFE, `E` bit cleared.
    static func apply(combinableVIFE code: UInt8, to description: inout ValueDescription) {
        switch code {
        case 0x00...0x1F: description.qualifiers.append("record_error_\(hex(code))")
        case 0x20...0x27:
            let per = ["second", "minute", "hour", "day", "week", "month", "year", "revolution"]
            description.qualifiers.append("per_\(per[Int(code - 0x20)])")
        case 0x28...0x29: description.qualifiers.append("per_input_pulse_\(code & 1)")
        case 0x2A...0x2B: description.qualifiers.append("per_output_pulse_\(code & 1)")
        case 0x3A: description.qualifiers.append("uncorrected")
        case 0x3B: description.qualifiers.append("accumulation_if_positive")
        case 0x3C: description.qualifiers.append("accumulation_of_abs_if_negative")
        case 0x70...0x77: description.exponent += Int(code & 0x07) - 6
        case 0x78...0x7B:
            let offset = Decimal(sign: .plus, exponent: Int(code & 0x03) - 3 + description.exponent, significand: 1)
            description.offset = (description.offset ?? 0) + offset
        case 0x7D: description.exponent += 3
        case 0x7E: description.qualifiers.append("future_value")
        case 0x7F: description.qualifiers.append("manufacturer_specific_vife")
        default: description.qualifiers.append("vife_\(hex(code))")
        }
    }

    private static func timeUnit(_ nn: Int) -> String { ["s", "min", "h", "d"][nn] }
    private static func hourUnit(_ nn: Int) -> String { ["h", "d", "months", "years"][nn] }
}
