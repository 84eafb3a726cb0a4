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
            let failure = "\(e): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
            return portHeld ? "\(failure): \(Self.portHeldHint)" : failure
        case .unsupportedSetting(let e, let s, let r): return "\(e): the port refuses \(s): \(r)"
        case .connectFailed(let e, let r): return "\(e): cannot connect: \(r)"
        }
    }

    /// Whether a serial device is held by another process: its exclusive open (`TIOCEXCL`) made `open` fail with
    /// `EBUSY`, or its lock (`flock`, which root's open passes by) is taken (`SerialPort.init`). On a bridge's host
    /// that is nearly always the running bridge, which holds its buses' ports for as long as it runs.
    package var portHeld: Bool {
        guard case .systemCall(_, let call, let code) = self else { return false }
        return code == EBUSY && (call == "open" || call == "flock")
    }

    /// What `portHeld` means for the one reading the message.
    package static let portHeldHint =
        "the port is held by another program, probably a running bridge (pro380-mqtt run, or the service: "
        + "systemctl stop pro380-mqtt)"
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
