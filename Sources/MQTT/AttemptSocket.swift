#if canImport(Glibc)
import Glibc
#endif

/// What the kernel knows of a connection attempt's socket that libmosquitto does not say: whether its TCP
/// connection failed before the CONNACK, and why.
///
/// Why: under TLS, libmosquitto 2.0.11 takes a failed socket call inside its handshake (`SSL_connect` reporting
/// `SSL_ERROR_SYSCALL`, as for a refused or reset TCP connection) for a handshake still under way
/// (`net__socket_connect_tls` sets `want_connect` and returns success), so the connect call and every
/// `mosquitto_loop` pass after it report success on a socket that is already closed; the attempt only ended at
/// the CONNACK timeout ("no CONNACK within 10.0 seconds"), where the same closed port without TLS says
/// "Connection refused" at once. OpenSSL's failed `send`/`recv` took the socket's pending error (`SO_ERROR`), so
/// the cause is the `errno` that call left, read right after the libmosquitto call that made it.
enum AttemptSocket {
    /// The `errno` values a failed TCP connection leaves (connect(2), tcp(7)); anything else (`EPIPE`, `EAGAIN`
    /// from a later call on the dead socket) names no cause.
    static let connectionErrors: Set<Int32> = [
        ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN,
    ]

    /// Why the TCP connection of `socket` failed, or nil while it is alive (opening, open, or closed by the broker
    /// after a FIN: libmosquitto reads that end itself) or while the broker's last bytes wait unread (a TLS alert
    /// such as "certificate required" before the reset: libmosquitto reads it next and names it).
    /// - Parameters:
    ///   - socket: the attempt's descriptor (`mosquitto_socket`).
    ///   - errnoAfterCall: `errno` as the libmosquitto call that last used the socket left it.
    /// - Returns: the error's words (`strerror`: "Connection refused", "Connection reset by peer", ...): the
    ///   socket's own pending error if nobody took it yet, else `errnoAfterCall` if it is one of
    ///   `connectionErrors`, else a sentence saying the connection closed before the handshake completed.
    static func failure(socket: Int32, errnoAfterCall: Int32) -> String? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(socket, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0,
            Int32(info.tcpi_state) == Int32(TCP_CLOSE)
        else { return nil }
        var unread: Int32 = 0
        guard ioctl(socket, UInt(FIONREAD), &unread) == 0, unread == 0 else { return nil }
        var pending: Int32 = 0
        var pendingLength = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(socket, SOL_SOCKET, SO_ERROR, &pending, &pendingLength) == 0, pending != 0 {
            return String(cString: strerror(pending))
        }
        if connectionErrors.contains(errnoAfterCall) {
            return String(cString: strerror(errnoAfterCall))
        }
        return "the TCP connection closed before the handshake completed"
    }
}
