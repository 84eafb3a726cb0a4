import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TCPTransport {
    /// Connects to `host:port` over IPv4 or IPv6 and returns the open connection, with `TCP_NODELAY` set so
    /// short request frames leave at once.
    ///
    /// The name is resolved with `getaddrinfo`; each address is tried in turn with a non-blocking `connect`
    /// that waits at most `timeout` in total. Resolution and connecting run on a dedicated queue, not on the
    /// cooperative pool. Cancellation is not observed: the call ends within `timeout` plus resolution time.
    /// - Parameters:
    ///   - host: a name or a numeric address (`127.0.0.1`, `::1`, `gateway.local`).
    ///   - port: the TCP port, 1...65535.
    ///   - timeout: how long connecting may take over all addresses.
    /// - Throws: `TransportError.connectFailed` naming `host:port` and the reason (resolution failure,
    ///   `Connection refused`, a timeout).
    package static func connect(host: String, port: Int, timeout: Duration) async throws -> TCPTransport {
        let endpoint = SocketAddress.endpoint(host: host, port: port)
        let queue = DispatchQueue(label: "pro380.serialio connect \(endpoint)")
        let result: Result<Int32, TransportError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(
                    returning: Result { () throws(TransportError) -> Int32 in
                        try connectBlocking(host: host, port: port, endpoint: endpoint, timeout: timeout)
                    }
                )
            }
        }
        let fd = try result.get()
        do {
            return TCPTransport(channel: try DescriptorChannel(fd: fd, kind: .socket, endpoint: endpoint))
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    private static func connectBlocking(
        host: String,
        port: Int,
        endpoint: String,
        timeout: Duration
    ) throws(TransportError) -> Int32 {
        if let problem = TCPPort.problem(port) {
            throw .connectFailed(endpoint: endpoint, reason: problem)
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: host, port: port)
        } catch {
            throw .connectFailed(endpoint: endpoint, reason: error.message)
        }
        var reasons: [String] = []
        for address in addresses {
            do {
                return try connect(to: address, until: deadline)
            } catch {
                reasons.append(addresses.count == 1 ? error.description : "\(address.endpoint): \(error)")
            }
        }
        throw .connectFailed(
            endpoint: endpoint,
            reason: reasons.isEmpty ? "no IPv4 or IPv6 address" : reasons.joined(separator: "; ")
        )
    }

    /// One non-blocking connect attempt, waiting for it to complete until `deadline`.
    /// - Returns: the connected, non-blocking socket.
    /// - Throws: a one-line reason (`Connection refused`, `timed out`).
    private static func connect(
        to address: SocketAddress,
        until deadline: ContinuousClock.Instant
    ) throws(ConnectAttemptError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw ConnectAttemptError(errno: errno) }
        var keep = false
        defer { if !keep { closeDescriptor(fd) } }
        let status = address.withSockaddr { systemConnect(fd, $0, $1) }
        if status != 0 {
            // An interrupted connect (EINTR) goes on in the background: wait for it like EINPROGRESS.
            guard errno == EINPROGRESS || errno == EINTR else { throw ConnectAttemptError(errno: errno) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while true {
                let ready = poll(&descriptor, 1, pollTimeout(until: deadline))
                if ready > 0 { break }
                if ready == 0 { throw ConnectAttemptError(reason: "timed out") }
                if errno != EINTR { throw ConnectAttemptError(errno: errno) }
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else {
                throw ConnectAttemptError(errno: errno)
            }
            guard socketError == 0 else { throw ConnectAttemptError(errno: socketError) }
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        keep = true
        return fd
    }
}

/// Why one address could not be connected to: `strerror` text or "timed out".
private struct ConnectAttemptError: Error, CustomStringConvertible {
    let description: String

    init(errno code: Int32) { description = String(cString: strerror(code)) }
    init(reason: String) { description = reason }
}
