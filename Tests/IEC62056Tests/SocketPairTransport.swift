import Dispatch
import Foundation
import SerialIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Both ends' line settings of a `SocketPairTransport` pair: a stand-in for the serial line's speed.
///
/// Bytes written while the two ends disagree on the baud rate arrive as noise (one 0x00 per byte, which is never
/// STX, `/` or ACK), as on a real line where the receiver samples at the wrong speed.
final class VirtualLine: Sendable {
    private let settings: Mutex<[LineSettings]>

    init(_ initial: LineSettings) {
        settings = Mutex([initial, initial])
    }

    func set(_ value: LineSettings, end: Int) { settings.withLock { $0[end] = value } }

    func speedsMatch() -> Bool { settings.withLock { $0[0].baudRate == $0[1].baudRate } }

    func baudRate(end: Int) -> Int { settings.withLock { $0[end].baudRate } }
}

/// A test-only `Transport` over one end of a real `socketpair(2)`; blocking calls run on the end's own dispatch
/// queue, never on the cooperative pool. It logs every `reconfigure` so tests can check the speed switches.
final class SocketPairTransport: Transport {
    let endpoint: String
    private let fd: Int32
    private let end: Int
    private let line: VirtualLine
    private let queue: DispatchQueue
    private let state = Mutex<(closed: Bool, reconfigurations: [LineSettings])>((false, []))

    /// A connected pair on a line starting at `settings`: (client end, peer end).
    static func makePair(
        _ settings: LineSettings = LineSettings(baudRate: 300, dataBits: 7, parity: .even)
    )
        -> (SocketPairTransport, SocketPairTransport)
    {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
        let line = VirtualLine(settings)
        return (
            SocketPairTransport(fd: fds[0], end: 0, line: line, name: "client"),
            SocketPairTransport(fd: fds[1], end: 1, line: line, name: "peer")
        )
    }

    private init(fd: Int32, end: Int, line: VirtualLine, name: String) {
        self.fd = fd
        self.end = end
        self.line = line
        self.endpoint = "socketpair:\(name)"
        self.queue = DispatchQueue(label: "SocketPairTransport.\(name)")
    }

    /// Waits until the other end runs at `baudRate`: a meter's reaction time guarantees the HHU has switched
    /// before the data message starts, and this makes that guarantee deterministic in tests.
    func waitForOtherEnd(baudRate: Int) async throws {
        for _ in 0..<1000 where line.baudRate(end: 1 - end) != baudRate {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The settings passed to `reconfigure`, in order.
    var reconfigurations: [LineSettings] { state.withLock { $0.reconfigurations } }

    func write(_ bytes: [UInt8]) async throws {
        let payload = line.speedsMatch() ? bytes : [UInt8](repeating: 0, count: bytes.count)
        try await onQueue {
            var offset = 0
            while offset < payload.count {
                let n = payload[offset...].withUnsafeBytes { Glibc.write(self.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw TransportError.systemCall(endpoint: self.endpoint, call: "write", errno: errno)
                }
                offset += n
            }
        }
    }

    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await onQueue {
            var pfd = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&pfd, 1, max(ms, 0))
            guard ready > 0 else { throw TransportError.timeout(endpoint: self.endpoint) }
            var buffer = [UInt8](repeating: 0, count: maxCount)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, maxCount) }
            guard n > 0 else { throw TransportError.closed(endpoint: self.endpoint) }
            return Array(buffer[..<n])
        }
    }

    func discardInput() async throws {
        try await onQueue {
            var pfd = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while poll(&pfd, 1, 0) > 0 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, 4096) }
                if n <= 0 { break }
            }
        }
    }

    func reconfigure(_ settings: LineSettings) async throws {
        try state.withLock {
            guard !$0.closed else { throw TransportError.closed(endpoint: endpoint) }
            $0.reconfigurations.append(settings)
        }
        line.set(settings, end: end)
    }

    func close() async {
        let wasOpen = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        if wasOpen {
            await withCheckedContinuation { c in
                queue.async {
                    _ = Glibc.close(self.fd)
                    c.resume()
                }
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
