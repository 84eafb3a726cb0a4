import Foundation
import Synchronization

/// A TCP listener on 127.0.0.1 that accepts every connection and never sends a byte: a broker that takes the TCP
/// connection and never answers CONNECT (the CONNACK-timeout case).
///
/// Accepted connections stay open until `stop()`; `connections` counts them, so a test can wait for a retry.
package final class MuteTCPListener: Sendable {
    /// The port listened on.
    package let port: Int
    private let listener: Int32
    private let state = State()

    /// The accepted descriptors, shared with the accepting thread.
    private final class State: Sendable {
        let mutex = Mutex<(accepted: [Int32], stopped: Bool)>(([], false))
    }

    /// Listens on `port` (a free one when nil) and accepts on a thread of its own until `stop()`.
    package init(port: Int? = nil) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port ?? 0).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 16) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = fd
        let state = self.state
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                let keep = state.mutex.withLock { state -> Bool in
                    guard !state.stopped else { return false }
                    state.accepted.append(client)
                    return true
                }
                if !keep {
                    close(client)
                    return
                }
            }
        }
    }

    /// How many connections were accepted so far.
    package var connections: Int { state.mutex.withLock { $0.accepted.count } }

    /// Stops accepting and closes every accepted connection. Idempotent.
    package func stop() {
        let accepted = state.mutex.withLock { state -> [Int32] in
            guard !state.stopped else { return [] }
            state.stopped = true
            defer { state.accepted.removeAll() }
            return state.accepted
        }
        // shutdown() wakes the accept() of the listener thread; the thread then closes nothing it does not own.
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
        for fd in accepted { close(fd) }
    }

    deinit {
        stop()
        close(listener)
    }
}

#if canImport(Glibc)
import Glibc
#endif
