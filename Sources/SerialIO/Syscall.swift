#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one system call, retrying it while it fails with `EINTR`.
///
/// The shape of NIO's `syscall` (`Sources/NIOPosix/System.swift`): a call returning -1 becomes a
/// `TransportError.systemCall` that names the call and carries `errno`, so logs say which call failed and why.
/// - Parameters:
///   - call: the call's name as it should appear in the error (`"open"`, `"tcsetattr"`, `"ioctl(TIOCEXCL)"`).
///   - endpoint: the device or address the call acted on.
///   - body: the call; it must return -1 and set `errno` on failure.
/// - Returns: the call's non-negative result.
/// - Throws: `TransportError.systemCall` for any errno except `EINTR`.
@discardableResult
func syscall<Result: BinaryInteger>(
    _ call: String,
    endpoint: String,
    _ body: () -> Result
) throws(TransportError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw TransportError.systemCall(endpoint: endpoint, call: call, errno: code) }
    }
}

/// Like `syscall`, for a call on a non-blocking descriptor: `EAGAIN`/`EWOULDBLOCK` (and `EINPROGRESS` for
/// `connect`) are not failures but "not now", returned as `nil` so the caller can `poll` and try again.
/// - Throws: `TransportError.systemCall` for any other errno except `EINTR`, which is retried.
func nonBlockingSyscall<Result: BinaryInteger>(
    _ call: String,
    endpoint: String,
    _ body: () -> Result
) throws(TransportError) -> Result? {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK, EINPROGRESS: return nil
        default: throw TransportError.systemCall(endpoint: endpoint, call: call, errno: code)
        }
    }
}

/// Closes a descriptor once, without retrying: on Linux the descriptor is released even when `close` reports
/// `EINTR`, so a retry could close a descriptor another thread has just been given.
func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

/// The milliseconds `poll` should wait to reach `deadline`, rounded up so it never wakes early; -1 for no deadline.
func pollTimeout(until deadline: ContinuousClock.Instant?) -> Int32 {
    guard let deadline else { return -1 }
    let remaining = deadline - ContinuousClock.now
    guard remaining > .zero else { return 0 }
    let (seconds, attoseconds) = remaining.components
    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: milliseconds)
}

/// `read(2)`, under a name no transport method shadows.
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// `write(2)`, under a name no transport method shadows.
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// `connect(2)`, under a name no transport method shadows.
func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}

/// `open(2)` without a creation mode, under a name no transport method shadows.
func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
    open(path, flags)
}

/// `accept(2)` without the peer address, under a name no transport method shadows.
func systemAccept(_ fd: Int32) -> Int32 {
    accept(fd, nil, nil)
}
