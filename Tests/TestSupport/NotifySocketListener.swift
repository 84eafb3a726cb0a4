import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The service manager's end of `$NOTIFY_SOCKET` for a test: an `AF_UNIX` datagram socket bound to a path or an
/// abstract name (`@...`), collecting every notification (`READY=1\nSTATUS=...`) on its own reader thread.
package final class NotifySocketListener: Sendable {
    /// What to put in `NOTIFY_SOCKET`: the path, or `@name` for the abstract namespace.
    package let address: String
    /// Shared with the reader thread.
    private final class State: Sendable {
        let received = Mutex<[String]>([])
        let stopped = Mutex(false)
    }

    private let state = State()

    /// Binds a new socket: at a fresh path in the temporary folder, or (`abstract`) at a fresh abstract name.
    package init(abstract: Bool = false) throws {
        let name = "pro380-notify-\(UUID().uuidString.prefix(12))"
        address = abstract ? "@\(name)" : FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var path = Array(address.utf8)
        if abstract { path[0] = 0 }
        var un = sockaddr_un()
        un.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &un.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &un) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // A receive timeout, so the reader thread notices `stop()`.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let state = state
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !state.stopped.withLock({ $0 }) {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    state.received.withLock { $0.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
                }
            }
            close(fd)
        }
    }

    /// Every datagram received so far, oldest first.
    package var messages: [String] { state.received.withLock { $0 } }

    /// Every assignment received so far (`READY=1`, `STATUS=...`), datagrams split at their newlines.
    package var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits until the assignments satisfy `condition`; false after `timeout`.
    package func wait(timeout: Duration = .seconds(20), until condition: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(assignments) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(assignments)
    }

    /// Stops the reader and closes the socket (removing its path).
    package func stop() {
        state.stopped.withLock { $0 = true }
        if address.hasPrefix("/") { unlink(address) }
    }
}
