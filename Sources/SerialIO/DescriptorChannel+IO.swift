#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte moves every transport shares: read with a timeout, write all, drop pending input.
extension DescriptorChannel {
    /// Reads up to `maxCount` bytes, waiting at most `timeout` for the first one.
    /// - Throws: `TransportError.timeout` when nothing arrived in time; `TransportError.closed` at end of stream,
    ///   on hang-up, on `EIO` (a pty whose other side is gone, an unplugged USB adapter) and on a reset connection.
    func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        let count = max(1, maxCount)
        if let bytes = try performNow({ try $0.readAvailable(maxCount: count) }), let bytes { return bytes }
        return try await perform { operation in
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var hungUp = false
            while true {
                if let bytes = try operation.calls.readAvailable(maxCount: count) { return bytes }
                if hungUp { throw TransportError.closed(endpoint: operation.endpoint) }
                guard let events = try operation.wait(for: Int16(POLLIN), until: deadline) else {
                    throw TransportError.timeout(endpoint: operation.endpoint)
                }
                hungUp = events & Int16(POLLHUP | POLLERR) != 0 && events & Int16(POLLIN) == 0
            }
        }
    }

    /// Writes every byte, waiting for room in the kernel buffer as needed; a terminal then waits until the bytes
    /// have been transmitted (`tcdrain`) when `drain` is set.
    /// - Throws: `TransportError.closed` when the peer is gone (`EPIPE`, `ECONNRESET`, `EIO`),
    ///   `TransportError.systemCall` for other failures.
    func write(_ bytes: [UInt8], drain: Bool) async throws {
        guard !bytes.isEmpty else { return }
        let waitsForTransmission = drain && kind == .terminal
        var offset = 0
        if !waitsForTransmission {
            let taken = try performNow { calls in
                var written = 0
                while written < bytes.count, let count = try calls.writeSome(bytes, from: written) { written += count }
                return written
            }
            offset = taken ?? 0
            if offset == bytes.count { return }
        }
        try await perform { [offset] operation in
            var offset = offset
            while offset < bytes.count {
                if let written = try operation.calls.writeSome(bytes, from: offset) {
                    offset += written
                } else {
                    _ = try operation.wait(for: Int16(POLLOUT), until: nil)
                }
            }
            if waitsForTransmission {
                try syscall("tcdrain", endpoint: operation.endpoint) { tcdrain(operation.fd) }
            }
        }
    }

    /// Drops every byte received and not yet read: `tcflush(TCIFLUSH)` on a terminal when `flush` is set, then
    /// reads and drops whatever is still readable without waiting. End of stream is left for the next `read`.
    func discardInput(flushTerminal flush: Bool) async throws {
        let discard: @Sendable (NonBlockingCalls) throws -> Void = { calls in
            if flush, calls.kind == .terminal {
                try syscall("tcflush(TCIFLUSH)", endpoint: calls.endpoint) { tcflush(calls.fd, TCIFLUSH) }
            }
            do {
                while let bytes = try calls.readAvailable(maxCount: 4096), !bytes.isEmpty {}
            } catch TransportError.closed {
                return
            }
        }
        if try performNow(discard) != nil { return }
        try await perform { operation in try discard(operation.calls) }
    }
}

/// The calls on a descriptor that never block: the only ones `DescriptorChannel.performNow` lets run on the caller's
/// thread, and the building blocks of the operations that wait on the channel's queue.
struct NonBlockingCalls {
    let fd: Int32
    let kind: DescriptorChannel.Kind
    let endpoint: String

    /// One non-blocking `read`.
    /// - Returns: the bytes read, or `nil` when none are available now.
    /// - Throws: `TransportError.closed` at end of stream or when the other side is gone.
    func readAvailable(maxCount: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: maxCount)
        let result: Int?
        do {
            result = try nonBlockingSyscall("read", endpoint: endpoint) {
                buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            }
        } catch let error {
            throw Self.closedIfPeerGone(error, endpoint: endpoint)
        }
        guard let result else { return nil }
        if result == 0 { throw TransportError.closed(endpoint: endpoint) }
        return Array(buffer.prefix(result))
    }

    /// One non-blocking `write` (or `send` without `SIGPIPE` on a socket) of the bytes from `offset` on.
    /// - Returns: how many bytes the kernel took, or `nil` when it has no room now.
    func writeSome(_ bytes: [UInt8], from offset: Int) throws -> Int? {
        do {
            return try nonBlockingSyscall(kind == .socket ? "send" : "write", endpoint: endpoint) {
                bytes.withUnsafeBytes { buffer in
                    let start = buffer.baseAddress! + offset
                    let count = buffer.count - offset
                    switch kind {
                    case .socket: return send(fd, start, count, Int32(MSG_NOSIGNAL))
                    case .terminal: return systemWrite(fd, start, count)
                    }
                }
            }
        } catch let error {
            throw Self.closedIfPeerGone(error, endpoint: endpoint)
        }
    }

    private static func closedIfPeerGone(_ error: TransportError, endpoint: String) -> TransportError {
        if case .systemCall(_, _, let code) = error, [EIO, EPIPE, ECONNRESET].contains(code) {
            return .closed(endpoint: endpoint)
        }
        return error
    }
}
