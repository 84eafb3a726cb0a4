import Dispatch
package import SerialIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A test-only `Transport` over one end of a real `socketpair(2)`, for client tests against a scripted peer on the
/// other end: real kernel bytes, no serial device needed.
///
/// Blocking calls run on the end's own serial dispatch queue, never on the cooperative pool. Every `reconfigure`
/// is recorded (`reconfigurations`) so tests can check speed switches. A pair made with a `line` also simulates
/// the serial line's speed: bytes written while the two ends disagree on the baud rate arrive as noise (one 0x00
/// per byte, never STX, `/` or ACK), as on a real line where the receiver samples at the wrong speed.
package final class SocketPairTransport: Transport {
    /// `socketpair:client` or `socketpair:peer`.
    package let endpoint: String
    private let fd: Int32
    private let end: Int
    private let line: SimulatedLine?
    private let queue: DispatchQueue
    private let state = Mutex<(closed: Bool, reconfigurations: [LineSettings])>((false, []))

    /// A connected pair: the client's end and the peer's end.
    /// - Parameter line: the line settings both ends start at, to simulate a speed mismatch; `nil` passes bytes
    ///   through whatever either end was reconfigured to.
    package static func makePair(
        line: LineSettings? = nil
    ) -> (client: SocketPairTransport, peer: SocketPairTransport) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
        let simulated = line.map(SimulatedLine.init)
        return (
            SocketPairTransport(fd: fds[0], end: 0, line: simulated, name: "client"),
            SocketPairTransport(fd: fds[1], end: 1, line: simulated, name: "peer")
        )
    }

    private init(fd: Int32, end: Int, line: SimulatedLine?, name: String) {
        self.fd = fd
        self.end = end
        self.line = line
        self.endpoint = "socketpair:\(name)"
        self.queue = DispatchQueue(label: "SocketPairTransport.\(name)")
    }

    deinit { if !state.withLock({ $0.closed }) { Glibc.close(fd) } }

    /// The settings passed to `reconfigure`, in order.
    package var reconfigurations: [LineSettings] { state.withLock { $0.reconfigurations } }

    /// Waits until the other end runs at `baudRate`: a meter's reaction time guarantees the HHU has switched
    /// before the data message starts, and this makes that guarantee deterministic in tests. Needs a pair made
    /// with a `line`.
    package func waitForOtherEnd(baudRate: Int) async throws {
        guard let line else { preconditionFailure("waitForOtherEnd needs a pair made with a simulated line") }
        for _ in 0..<1000 where line.baudRate(end: 1 - end) != baudRate {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    package func write(_ bytes: [UInt8]) async throws {
        let payload = line?.speedsMatch() ?? true ? bytes : [UInt8](repeating: 0, count: bytes.count)
        try await onQueue {
            var offset = 0
            while offset < payload.count {
                let n = payload[offset...].withUnsafeBytes {
                    Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE || errno == ECONNRESET { throw TransportError.closed(endpoint: self.endpoint) }
                    throw TransportError.systemCall(endpoint: self.endpoint, call: "send", errno: errno)
                }
                offset += n
            }
        }
    }

    package func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await onQueue {
            var pfd = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let (seconds, attoseconds) = timeout.components
            let milliseconds = Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            var ready: Int32
            repeat { ready = poll(&pfd, 1, milliseconds) } while ready < 0 && errno == EINTR
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

    package func discardInput() async throws {
        try await onQueue {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while buffer.withUnsafeMutableBytes({ Glibc.recv(self.fd, $0.baseAddress, 4096, Int32(MSG_DONTWAIT)) }) > 0
            {
            }
        }
    }

    package func reconfigure(_ settings: LineSettings) async throws {
        try state.withLock {
            guard !$0.closed else { throw TransportError.closed(endpoint: endpoint) }
            $0.reconfigurations.append(settings)
        }
        line?.set(settings, end: end)
    }

    /// Closes this end (after any call already running on its queue); the other end then reads end of stream.
    package func close() async {
        let wasOpen = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard wasOpen else { return }
        await withCheckedContinuation { continuation in
            queue.async {
                _ = Glibc.close(self.fd)
                continuation.resume()
            }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard !state.withLock({ $0.closed }) else { throw TransportError.closed(endpoint: endpoint) }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Both ends' line settings of a simulated pair: a stand-in for the serial line's speed.
private final class SimulatedLine: Sendable {
    private let settings: Mutex<[LineSettings]>

    init(_ initial: LineSettings) { settings = Mutex([initial, initial]) }

    func set(_ value: LineSettings, end: Int) { settings.withLock { $0[end] = value } }

    func speedsMatch() -> Bool { settings.withLock { $0[0].baudRate == $0[1].baudRate } }

    func baudRate(end: Int) -> Int { settings.withLock { $0[end].baudRate } }
}
