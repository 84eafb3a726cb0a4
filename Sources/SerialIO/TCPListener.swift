#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening TCP socket that hands out `TCPTransport`s: the simulator's Modbus TCP server and test peers.
///
/// `accept()` waits on the listener's own queue, never on the cooperative pool; `close()` wakes it with
/// `TransportError.closed`.
package final class TCPListener: Sendable {
    private let channel: DescriptorChannel

    /// The port the listener is bound to (the kernel's choice when it was created with port 0).
    package let port: Int

    /// `host:port` the listener is bound to: `127.0.0.1:40123`, `[::1]:40123`.
    package var endpoint: String { channel.endpoint }

    /// Binds to `host:port` (with `SO_REUSEADDR`) and listens.
    /// - Parameters:
    ///   - host: the address to bind, numeric or a name; the first address `getaddrinfo` gives is used.
    ///   - port: the port, or 0 for any free port (read it back from `port`).
    /// - Throws: `TransportError.connectFailed` when `host` does not resolve, `TransportError.systemCall` naming
    ///   `socket`, `bind` or `listen` with errno (`EADDRINUSE`, `EADDRNOTAVAIL` for `::1` without IPv6).
    package init(host: String = "127.0.0.1", port: Int = 0) throws {
        let requested = SocketAddress.endpoint(host: host, port: port)
        let address: SocketAddress
        do {
            guard let first = try SocketAddress.resolve(host: host, port: port, passive: true).first else {
                throw TransportError.connectFailed(endpoint: requested, reason: "no IPv4 or IPv6 address")
            }
            address = first
        } catch let error as ResolutionError {
            throw TransportError.connectFailed(endpoint: requested, reason: error.message)
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try syscall("socket", endpoint: requested) { socket(address.family, type, 0) }
        do {
            var one: Int32 = 1
            try syscall("setsockopt(SO_REUSEADDR)", endpoint: requested) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            try syscall("bind", endpoint: requested) { address.withSockaddr { bind(fd, $0, $1) } }
            try syscall("listen", endpoint: requested) { listen(fd, 16) }
            let bound = SocketAddress.of(fd, peer: false)
            self.port = bound?.port ?? port
            channel = try DescriptorChannel(fd: fd, kind: .socket, endpoint: bound?.endpoint ?? requested)
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// Waits for the next connection and returns it (non-blocking, `TCP_NODELAY` set).
    /// - Throws: `TransportError.closed` when the listener is or becomes closed, `CancellationError` when the
    ///   task is cancelled while waiting, `TransportError.systemCall` naming `accept`.
    package func accept() async throws -> TCPTransport {
        let fd = try await channel.perform { operation in
            while true {
                let accepted = try nonBlockingSyscall("accept", endpoint: operation.endpoint) {
                    systemAccept(operation.fd)
                }
                if let accepted {
                    let flags = fcntl(accepted, F_GETFL)
                    _ = fcntl(accepted, F_SETFL, flags | O_NONBLOCK)
                    _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
                    return accepted
                }
                _ = try operation.wait(for: Int16(POLLIN), until: nil)
            }
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let endpoint = SocketAddress.of(fd, peer: true)?.endpoint ?? "\(channel.endpoint) peer"
        do {
            return TCPTransport(channel: try DescriptorChannel(fd: fd, kind: .socket, endpoint: endpoint))
        } catch {
            closeDescriptor(fd)
            throw error
        }
    }

    /// Stops listening: when it returns, new connections are refused (the socket is shut down); a pending
    /// `accept()` throws `TransportError.closed`, and the descriptor is closed on the listener's thread right after.
    /// Connections already accepted stay open. It never blocks, so it may be called from a task cancellation
    /// handler. A second call does nothing.
    package func close() {
        channel.closeSoon()
    }
}
