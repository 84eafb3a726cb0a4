import CMosquitto
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread for libmosquitto's network loop, with a wake-up for its waits (`NetworkWakeup`).
///
/// The client runs its own thread instead of `mosquitto_loop_start`: libmosquitto's thread
/// (`mosquitto_loop_forever`) decides about reconnecting from its own connection state, which a reconnect attempt
/// overwrites, so a `mosquitto_disconnect` that lands during an attempt is lost and `mosquitto_loop_stop` then
/// waits forever; it also has no CONNACK timeout and ends for good on a TLS or name-resolution error. Ours checks
/// a stop request before every step and is always joined (`join()`), never cancelled.
final class NetworkThread: Sendable {
    private let thread: pthread_t
    private let wakeup: NetworkWakeup
    /// Whether `pthread_join` has returned; held across the join so a second caller waits for the first.
    private let joined = Mutex(false)

    private init(thread: pthread_t, wakeup: NetworkWakeup) {
        self.thread = thread
        self.wakeup = wakeup
    }

    /// Starts a thread named `name` (at most 15 bytes) running `body`, which waits on `wakeup` (`wake()` signals
    /// it).
    /// - Throws: `MQTTError.libmosquitto` naming `pthread_create` when no thread can be made.
    static func start(
        name: String,
        wakeup: NetworkWakeup,
        _ body: @escaping @Sendable () -> Void
    ) throws(MQTTError) -> NetworkThread {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            nil,
            { argument in
                guard let argument else { return nil }
                let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
                ThreadIdentity.name(start.name)
                start.body()
                return nil
            },
            start
        )
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw .libmosquitto(call: "pthread_create", code: rc, message: String(cString: strerror(rc)))
        }
        return NetworkThread(thread: thread, wakeup: wakeup)
    }

    /// Ends a wait of the thread early (it then looks at its state again). Extra wake-ups are harmless.
    func wake() {
        wakeup.signal()
    }

    /// Waits until the thread has returned (`pthread_join`). Blocking: call it off the cooperative pool. Any
    /// number of calls: the thread is joined once, later callers return once that happened.
    func join() {
        joined.withLock { joined in
            guard !joined else { return }
            _ = pthread_join(thread, nil)
            joined = true
        }
    }

    /// What the new thread runs, handed over through `pthread_create`'s argument.
    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = String(name.utf8.prefix(15)) ?? "mqtt-network"
            self.body = body
        }
    }
}

extension DispatchSemaphore {
    /// Sleeps until `deadline` or until signalled, whichever comes first (a futex wait with a timeout, no
    /// libdispatch timer; the pollers' `PollClock` waits with it).
    package func wait(until deadline: ContinuousClock.Instant) {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return }
        let (seconds, attoseconds) = remaining.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        _ = wait(timeout: .now() + .nanoseconds(nanoseconds))
    }
}
