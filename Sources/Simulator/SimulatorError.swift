/// Why the simulator refused a request or failed.
///
/// The first group are the simulated meter's own refusals (a real PRO380 would refuse the same thing); each
/// protocol server turns them into its protocol's answer (`modbusExceptionCode` for Modbus). The rest are the
/// simulator's own failures (state file, sockets).
package enum SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key is not in the register table, or this meter does not have it (a PRO1-only row).
    case unknownKey(String)
    /// The key is read-only.
    case notWritable(key: String)
    /// The value is not one the manual allows for the key.
    case valueNotAllowed(key: String, value: String, allowed: String)
    /// A register read or write touches an address the meter does not map, or splits a two-register value.
    case illegalDataAddress(address: UInt16, count: Int)
    /// A register request is malformed for the meter: a count out of range, a write of the wrong size.
    case illegalDataValue(address: UInt16, reason: String)
    /// The request uses a function the meter does not offer for that address.
    case illegalFunction(function: UInt8, address: UInt16)
    /// The state file could not be read or written.
    case stateFile(path: String, reason: String)
    /// A server could not start or lost its endpoint.
    case server(endpoint: String, reason: String)

    package var description: String {
        func hex(_ a: UInt16) -> String { "0x" + String(a, radix: 16, uppercase: true) }
        switch self {
        case .unknownKey(let key): return "\(key): no such value on this meter"
        case .notWritable(let key): return "\(key): read-only"
        case .valueNotAllowed(let key, let value, let allowed): return "\(key): \(value) refused, must be \(allowed)"
        case .illegalDataAddress(let address, let count):
            return "registers \(hex(address)) (\(count)): illegal data address"
        case .illegalDataValue(let address, let reason):
            return "register \(hex(address)): illegal data value: \(reason)"
        case .illegalFunction(let function, let address): return "function \(function) not allowed at \(hex(address))"
        case .stateFile(let path, let reason): return "state file \(path): \(reason)"
        case .server(let endpoint, let reason): return "\(endpoint): \(reason)"
        }
    }
}
