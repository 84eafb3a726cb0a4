/// The exception code a device sends when it refuses a request: a valid answer, not a transport failure.
///
/// Codes other than the standard ones are kept as `.other` so nothing a device says is lost.
/// Source: Modbus Application Protocol V1.1b3, 7 "MODBUS Exception Responses".
package enum ExceptionCode: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// 01: the function code is not supported.
    case illegalFunction
    /// 02: the address (or the address plus quantity) is not implemented.
    case illegalDataAddress
    /// 03: a value in the request (quantity, byte count, written value) is not allowed.
    case illegalDataValue
    /// 04: the device failed while performing the request.
    case serverDeviceFailure
    /// 05: accepted, but it will take long; poll later.
    case acknowledge
    /// 06: busy with a long command; retry later.
    case serverDeviceBusy
    /// 08: memory parity error while reading the file record.
    case memoryParityError
    /// 0x0A: a gateway has no path to the target.
    case gatewayPathUnavailable
    /// 0x0B: a gateway's target did not respond.
    case gatewayTargetFailedToRespond
    /// Any other code.
    case other(UInt8)

    /// Maps the byte from the wire.
    package init(rawValue: UInt8) {
        switch rawValue {
        case 0x01: self = .illegalFunction
        case 0x02: self = .illegalDataAddress
        case 0x03: self = .illegalDataValue
        case 0x04: self = .serverDeviceFailure
        case 0x05: self = .acknowledge
        case 0x06: self = .serverDeviceBusy
        case 0x08: self = .memoryParityError
        case 0x0A: self = .gatewayPathUnavailable
        case 0x0B: self = .gatewayTargetFailedToRespond
        default: self = .other(rawValue)
        }
    }

    /// The byte on the wire.
    package var rawValue: UInt8 {
        switch self {
        case .illegalFunction: return 0x01
        case .illegalDataAddress: return 0x02
        case .illegalDataValue: return 0x03
        case .serverDeviceFailure: return 0x04
        case .acknowledge: return 0x05
        case .serverDeviceBusy: return 0x06
        case .memoryParityError: return 0x08
        case .gatewayPathUnavailable: return 0x0A
        case .gatewayTargetFailedToRespond: return 0x0B
        case .other(let code): return code
        }
    }

    /// The standard's name: `illegal data address`.
    package var name: String {
        switch self {
        case .illegalFunction: return "illegal function"
        case .illegalDataAddress: return "illegal data address"
        case .illegalDataValue: return "illegal data value"
        case .serverDeviceFailure: return "server device failure"
        case .acknowledge: return "acknowledge"
        case .serverDeviceBusy: return "server device busy"
        case .memoryParityError: return "memory parity error"
        case .gatewayPathUnavailable: return "gateway path unavailable"
        case .gatewayTargetFailedToRespond: return "gateway target device failed to respond"
        case .other: return "unknown exception"
        }
    }

    /// `02 illegal data address`.
    package var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "\(hex.count < 2 ? "0" + hex : hex) \(name)"
    }
}
