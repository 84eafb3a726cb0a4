/// Why a transport failed to move bytes. Transport errors are never device answers: a Modbus exception or an
/// M-Bus NAK is a valid transaction and lives in the protocol's own error type.
package enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No byte arrived within the timeout.
    case timeout(endpoint: String)
    /// The peer closed the connection or the device went away.
    case closed(endpoint: String)
    /// A system call failed: the call's name and errno.
    case systemCall(endpoint: String, call: String, errno: Int32)
    /// The device refused a line setting (a real port that cannot do 7E1, a baud rate it lacks).
    case unsupportedSetting(endpoint: String, setting: String, reason: String)
    /// The host name or address could not be resolved or connected to.
    case connectFailed(endpoint: String, reason: String)

    package var description: String {
        switch self {
        case .timeout(let e): return "\(e): timed out waiting for a reply"
        case .closed(let e): return "\(e): connection closed"
        case .systemCall(let e, let call, let code):
            return "\(e): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .unsupportedSetting(let e, let s, let r): return "\(e): the port refuses \(s): \(r)"
        case .connectFailed(let e, let r): return "\(e): cannot connect: \(r)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
