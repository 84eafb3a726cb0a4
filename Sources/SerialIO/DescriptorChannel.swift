import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open, non-blocking file descriptor (a serial line, a pty side, a socket) and the thread its calls run on.
///
/// Every call that may block runs on the channel's own serial `DispatchQueue`, never on Swift's cooperative pool;
/// `perform` bridges it to `async` with a continuation. Waiting is `poll` on two descriptors: the channel's and a
/// wake-up pipe, so `close()` and task cancellation end a wait at once instead of after its timeout. Operations run
/// one at a time in submission order, which matches a bus's one-transaction-at-a-time use.
///
/// Calls that never block (a `send` the kernel has room for, a `read` of what is already there, `tcflush`) run at
/// once on the caller's thread through `performNow` when no queued operation is pending: each hop to the queue and
/// back wakes two threads, and a Modbus TCP transaction used to make three of them (discard, write, read) where
/// one (the wait for the reply) is needed (docs/performance.md, "Thread hand-offs").
///
/// Closing: `close()` marks the channel closed and wakes a waiting operation (it throws `TransportError.closed`);
/// the descriptor itself is closed on the queue after that operation, so no call ever sees a descriptor number
/// that has been closed and handed out again.
final class DescriptorChannel: Sendable {
    /// What the descriptor is: it decides how bytes are written and how input is discarded.
    enum Kind: Sendable {
        /// A terminal: serial port or pty side (`write`, `tcflush`).
        case terminal
        /// A stream socket (`send` with `MSG_NOSIGNAL`, so a closed peer is an error, not `SIGPIPE`).
        case socket
    }

    private struct State: Sendable {
        var closed = false
        var descriptorsReleased = false
        var lastOperation: UInt64 = 0
        var cancelled: Set<UInt64> = []
        /// Operations submitted to the queue and not yet finished: while any is, `performNow` defers to the queue.
        var queuedOperations = 0
    }

    let endpoint: String
    let kind: Kind
    let fd: Int32
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let queue: DispatchQueue
    private let state = Mutex(State())

    /// Takes ownership of `fd`, which must already be non-blocking.
    /// - Throws: `TransportError.systemCall` when the wake-up pipe cannot be made.
    init(fd: Int32, kind: Kind, endpoint: String) throws(TransportError) {
        var pipeDescriptors: [Int32] = [-1, -1]
        try syscall("pipe", endpoint: endpoint) { pipe(&pipeDescriptors) }
        for descriptor in pipeDescriptors {
            let flags = fcntl(descriptor, F_GETFL)
            _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        self.fd = fd
        self.kind = kind
        self.endpoint = endpoint
        self.wakeReader = pipeDescriptors[0]
        self.wakeWriter = pipeDescriptors[1]
        self.queue = DispatchQueue(label: "pro380.serialio \(endpoint)")
    }

    deinit {
        // Every pending operation and the close block hold a strong reference, so none can be running here.
        let release = state.withLock { state in
            defer { state.descriptorsReleased = true }
            return !state.descriptorsReleased
        }
        if release { releaseDescriptors() }
    }

    /// Whether `close()` has been called.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Runs `operation` on the channel's thread and returns its result.
    ///
    /// The operation may block in `Operation.wait`; cancelling the calling task or closing the channel wakes it.
    /// - Throws: what `operation` throws; `TransportError.closed` when the channel is or becomes closed;
    ///   `CancellationError` when the task is cancelled while the operation waits.
    func perform<Value: Sendable>(
        _ operation: @escaping @Sendable (Operation) throws -> Value
    ) async throws -> Value {
        let id = state.withLock { state in
            state.lastOperation &+= 1
            state.queuedOperations += 1
            return state.lastOperation
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                queue.async {
                    let context = Operation(channel: self, id: id)
                    var result = Result { () throws -> Value in
                        try context.checkInterrupted()
                        return try operation(context)
                    }
                    // A call failing because close() shut the socket down mid-call is a close, not a failure.
                    if case .failure(TransportError.systemCall) = result, self.isClosed {
                        result = .failure(TransportError.closed(endpoint: self.endpoint))
                    }
                    self.state.withLock { state in
                        state.cancelled = state.cancelled.filter { $0 > id }
                        state.queuedOperations -= 1
                    }
                    continuation.resume(with: result)
                }
            }
        } onCancel: {
            state.withLock { _ = $0.cancelled.insert(id) }
            wake()
        }
    }

    /// Runs `call` at once on the calling thread when the channel is open and no queued operation is pending.
    ///
    /// `call` must never block: it gets the descriptor's non-blocking calls only, and runs under the channel's lock
    /// (which is what keeps the descriptor from being closed under it and keeps it out of a queued operation's way).
    /// - Returns: `call`'s result, or `nil` when an operation is pending on the queue (use `perform` then).
    /// - Throws: what `call` throws; `TransportError.closed` when the channel is closed; `CancellationError` when the
    ///   calling task is cancelled.
    func performNow<Value: Sendable>(_ call: (NonBlockingCalls) throws -> Value) throws -> Value? {
        try Task.checkCancellation()
        let calls = NonBlockingCalls(fd: fd, kind: kind, endpoint: endpoint)
        let outcome: Result<Value, any Error>? = state.withLock { state in
            if state.closed || state.descriptorsReleased { return .failure(TransportError.closed(endpoint: endpoint)) }
            guard state.queuedOperations == 0 else { return nil }
            return Result { try call(calls) }
        }
        // A call failing because closeSoon() shut the socket down right after it began is a close, not a failure.
        if case .failure(TransportError.systemCall) = outcome, isClosed {
            throw TransportError.closed(endpoint: endpoint)
        }
        return try outcome?.get()
    }

    /// Closes the channel: a waiting operation ends with `TransportError.closed`, later calls throw it too.
    /// Returns once the descriptor is closed. `beforeClose` runs on the channel's thread with the descriptor still
    /// open (a serial port clears its exclusive flag there). A second call does nothing.
    func close(beforeClose: (@Sendable (Int32) -> Void)? = nil) async {
        guard markClosed() else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                beforeClose?(self.fd)
                self.releaseIfNeeded()
                continuation.resume()
            }
        }
    }

    /// Like `close()`, for synchronous callers, and safe anywhere (a task cancellation handler included): it never
    /// waits. A socket is shut down at once (a listening socket then refuses new connections), and the descriptor
    /// is closed on the channel's thread after a waiting operation has been woken. Blocking here until then could
    /// deadlock: inside a cancellation handler the task's status lock is held, and the woken operation needs that
    /// lock to resume its continuation.
    func closeSoon() {
        guard markClosed() else { return }
        if kind == .socket { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        queue.async { self.releaseIfNeeded() }
    }

    private func markClosed() -> Bool {
        let first = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if first { wake() }
        return first
    }

    private func releaseIfNeeded() {
        let release = state.withLock { state in
            defer { state.descriptorsReleased = true }
            return !state.descriptorsReleased
        }
        if release { releaseDescriptors() }
    }

    private func releaseDescriptors() {
        closeDescriptor(fd)
        closeDescriptor(wakeReader)
        closeDescriptor(wakeWriter)
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = systemWrite(wakeWriter, &byte, 1)
    }

    fileprivate func drainWake() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while systemRead(wakeReader, &buffer, buffer.count) > 0 {}
    }

    fileprivate func interruption(of id: UInt64) -> (any Error)? {
        state.withLock { state in
            if state.closed { return TransportError.closed(endpoint: endpoint) }
            if state.cancelled.contains(id) { return CancellationError() }
            return nil
        }
    }

    /// The running operation's view of the channel, valid only on the channel's thread inside `perform`.
    struct Operation {
        let channel: DescriptorChannel
        let id: UInt64

        var fd: Int32 { channel.fd }
        var endpoint: String { channel.endpoint }
        /// The descriptor's non-blocking calls.
        var calls: NonBlockingCalls { NonBlockingCalls(fd: channel.fd, kind: channel.kind, endpoint: channel.endpoint) }

        /// Throws when the channel was closed or the operation's task cancelled.
        func checkInterrupted() throws {
            if let error = channel.interruption(of: id) { throw error }
        }

        /// Blocks the channel's thread until the descriptor reports one of `events` (or an error or hang-up).
        /// - Parameter deadline: when to give up; `nil` waits without limit.
        /// - Returns: the descriptor's `revents`, or `nil` when the deadline passed first.
        /// - Throws: `TransportError.closed` on `close()`, `CancellationError` on cancellation,
        ///   `TransportError.systemCall` when `poll` fails.
        func wait(for events: Int16, until deadline: ContinuousClock.Instant?) throws -> Int16? {
            while true {
                try checkInterrupted()
                var descriptors = [
                    pollfd(fd: fd, events: events, revents: 0),
                    pollfd(fd: channel.wakeReader, events: Int16(POLLIN), revents: 0),
                ]
                let timeout = pollTimeout(until: deadline)
                let ready = try syscall("poll", endpoint: endpoint) {
                    poll(&descriptors, nfds_t(descriptors.count), timeout)
                }
                if descriptors[1].revents != 0 {
                    channel.drainWake()
                    continue
                }
                if descriptors[0].revents != 0 { return descriptors[0].revents }
                if ready == 0, let deadline, ContinuousClock.now >= deadline { return nil }
            }
        }
    }
}
