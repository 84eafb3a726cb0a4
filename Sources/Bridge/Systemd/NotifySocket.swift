#if canImport(Glibc)
import Glibc
#endif

/// The service manager's notification socket (`$NOTIFY_SOCKET`): the sd_notify protocol spoken without libsystemd.
///
/// The protocol (sd_notify(3), "Notes"): one `AF_UNIX` datagram per notification, newline-separated `KEY=VALUE`
/// assignments (`READY=1`, `STATUS=...`, `WATCHDOG=1`, `STOPPING=1`), sent to the path in `$NOTIFY_SOCKET`; a
/// path starting with `@` is in the abstract namespace (the `@` becomes a NUL byte). Sending never blocks the
/// daemon for long: the socket is non-blocking, and a notification the manager cannot take is dropped (the next
/// one repeats the state).
package final class NotifySocket: Sendable {
    /// The address as given (`/run/systemd/notify` or `@name`), for messages.
    package let address: String
    private let fd: Int32
    private let socketAddress: sockaddr_un
    private let addressLength: socklen_t

    /// Opens a datagram socket towards `address`; `nil` when `address` is not a usable `AF_UNIX` path (empty, too
    /// long, a `vsock:` address) or the socket cannot be created.
    package init?(address: String) {
        guard !address.isEmpty, address.hasPrefix("/") || address.hasPrefix("@") else { return nil }
        var path = Array(address.utf8)
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }
        var un = sockaddr_un()
        un.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: un.sun_path)
        guard path.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &un.sun_path) { $0.copyBytes(from: path) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.address = address
        self.fd = fd
        socketAddress = un
        // An abstract name has no terminating NUL: the length says where it ends.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        addressLength = socklen_t(pathOffset + path.count + (path[0] == 0 ? 0 : 1))
    }

    /// The socket named by `$NOTIFY_SOCKET` in `environment`, if any.
    package convenience init?(environment: [String: String]) {
        guard let address = environment["NOTIFY_SOCKET"] else { return nil }
        self.init(address: address)
    }

    deinit { close(fd) }

    /// Sends one notification: `assignments` joined by newlines.
    /// - Returns: whether the datagram was sent.
    @discardableResult
    package func send(_ assignments: [String]) -> Bool {
        let message = Array(assignments.joined(separator: "\n").utf8)
        var address = socketAddress
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                message.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), target, addressLength)
                }
            }
        }
        return sent == message.count
    }
}
