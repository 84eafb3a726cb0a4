import Dispatch
import SerialIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A test-only `Transport` over a socket fd (one end of a `socketpair()` or a connected loopback TCP socket):
/// real kernel bytes for the client tests until SerialIO's transports are merged. Blocking `poll`/`read` run on
/// the transport's own serial queue, never on the cooperative pool.
final class FileDescriptorTransport: Transport {
    let endpoint: String
    private let fd: Int32
    private let queue: DispatchQueue
    private let closed = Mutex(false)

    init(fd: Int32, endpoint: String) {
        self.fd = fd
        self.endpoint = endpoint
        self.queue = DispatchQueue(label: "test-transport.\(endpoint)")
    }

    deinit { if !closed.withLock({ $0 }) { Glibc.close(fd) } }

    /// Two connected transports over a Unix stream socketpair: the client's end and the peer's end.
    static func pair() -> (client: FileDescriptorTransport, peer: FileDescriptorTransport) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
        return (
            FileDescriptorTransport(fd: fds[0], endpoint: "socketpair:client"),
            FileDescriptorTransport(fd: fds[1], endpoint: "socketpair:peer")
        )
    }

    /// A transport connected to 127.0.0.1:`port`.
    static func connect(port: Int) throws -> FileDescriptorTransport {
        let endpoint = "127.0.0.1:\(port)"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TransportError.systemCall(endpoint: endpoint, call: "connect", errno: error)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return FileDescriptorTransport(fd: fd, endpoint: endpoint)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await run {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes {
                    Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TransportError.systemCall(endpoint: self.endpoint, call: "send", errno: errno)
                }
                offset += n
            }
        }
    }

    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await run {
            var pollfd = Glibc.pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let (seconds, attoseconds) = timeout.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var ready: Int32
            repeat { ready = poll(&pollfd, 1, milliseconds) } while ready < 0 && errno == EINTR
            guard ready >= 0 else {
                throw TransportError.systemCall(endpoint: self.endpoint, call: "poll", errno: errno)
            }
            guard ready > 0 else { throw TransportError.timeout(endpoint: self.endpoint) }
            var buffer = [UInt8](repeating: 0, count: maxCount)
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(self.fd, $0.baseAddress, maxCount, 0) }
            guard n >= 0 else { throw TransportError.systemCall(endpoint: self.endpoint, call: "recv", errno: errno) }
            guard n > 0 else { throw TransportError.closed(endpoint: self.endpoint) }
            return Array(buffer.prefix(n))
        }
    }

    func discardInput() async throws {
        try await run {
            var buffer = [UInt8](repeating: 0, count: 512)
            while buffer.withUnsafeMutableBytes({ Glibc.recv(self.fd, $0.baseAddress, 512, Int32(MSG_DONTWAIT)) }) > 0 {
            }
        }
    }

    func reconfigure(_ settings: LineSettings) async throws {}

    func close() async {
        let wasClosed = closed.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        if !wasClosed { Glibc.close(fd) }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if closed.withLock({ $0 }) { throw TransportError.closed(endpoint: endpoint) }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
