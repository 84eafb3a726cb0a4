import Dispatch
import Foundation
import SerialIO
import Synchronization

@testable import MBus

#if canImport(Glibc)
import Glibc
#endif

/// A test-only `Transport` over one end of a real `socketpair()`, until SerialIO's transports land on main.
// @unchecked Sendable: `fd` is immutable; every system call on it runs on the serial `queue`, and the only mutable
// state (`settings`, `closed`) lives in a `Mutex`.
final class SocketPairTransport: Transport, @unchecked Sendable {
    let endpoint: String
    private let fd: Int32
    private let queue: DispatchQueue
    private let state = Mutex<(settings: [LineSettings], closed: Bool)>(([], false))

    /// Both ends of a fresh socket pair.
    static func pair() -> (SocketPairTransport, SocketPairTransport) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
        return (
            SocketPairTransport(fd: fds[0], name: "socketpair-master"),
            SocketPairTransport(fd: fds[1], name: "socketpair-peer")
        )
    }

    private init(fd: Int32, name: String) {
        self.fd = fd
        endpoint = name
        queue = DispatchQueue(label: name)
    }

    /// Every `reconfigure` call, in order.
    var reconfigurations: [LineSettings] { state.withLock { $0.settings } }

    func write(_ bytes: [UInt8]) async throws {
        try await run {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.write(self.fd, $0.baseAddress, $0.count) }
                guard n > 0 else { throw TransportError.closed(endpoint: self.endpoint) }
                offset += n
            }
        }
    }

    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await run {
            var pollfd = Glibc.pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&pollfd, 1, ms) > 0 else { throw TransportError.timeout(endpoint: self.endpoint) }
            var buffer = [UInt8](repeating: 0, count: maxCount)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, maxCount) }
            guard n > 0 else { throw TransportError.closed(endpoint: self.endpoint) }
            return Array(buffer[..<n])
        }
    }

    func discardInput() async throws {
        try await run {
            var pollfd = Glibc.pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 512)
            while poll(&pollfd, 1, 0) > 0, pollfd.revents & Int16(POLLIN) != 0 {
                guard buffer.withUnsafeMutableBytes({ Glibc.read(self.fd, $0.baseAddress, 512) }) > 0 else { return }
            }
        }
    }

    func reconfigure(_ settings: LineSettings) async throws {
        state.withLock { $0.settings.append(settings) }
    }

    func close() async {
        let wasClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        if !wasClosed { queue.sync { _ = Glibc.close(fd) } }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A scripted M-Bus slave on the other end: for each step it reads one frame, records it and sends the reply
/// bytes (none = stays silent).
enum ScriptedPeer {
    static func run(_ transport: SocketPairTransport, replies: [[UInt8]]) async throws -> [MBusFrameRecord] {
        var decoder = MBusFrameDecoderBox()
        var received: [MBusFrameRecord] = []
        for reply in replies {
            let frame = try await decoder.nextFrame(from: transport)
            received.append(frame)
            if !reply.isEmpty { try await transport.write(reply) }
        }
        return received
    }
}
