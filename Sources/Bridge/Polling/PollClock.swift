import Dispatch
import HeapModule
import MQTT
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The pollers' timer: one thread that ends every poller's sleep until its next poll, and that arms each poller's
/// next deadline itself, one period ahead, so that a poller going back to sleep seldom has to wake it.
///
/// Why not `Task.sleep`: on Linux it arms a libdispatch timer, which wakes libdispatch's manager thread twice per
/// sleep (once to program the new deadline into its timerfd, once when it expires) before a pool thread runs the
/// task: at one meter every 100 ms that manager thread was 7.5 % of the bridge's CPU (docs/performance.md, stop 21).
/// A poller's deadlines are periodic (its interval, its phase): when this clock ends a sleep that came a period
/// after the sleeper's previous one, it arms the same sleeper's next deadline one period later at once. The poller's
/// next `sleep(until:)` then finds the clock already waiting for that instant, and only stores its continuation.
/// Only an earlier deadline than the one the thread waits for (a new sleeper, a shorter interval) wakes the thread;
/// an anticipated deadline nobody sleeps for (a poll that ran long, a silent meter's back-off) costs one wake-up
/// that finds nothing to do.
///
/// The thread waits on a `DispatchSemaphore` with a timeout (a futex wait), never on libdispatch's timers. It
/// starts with the first sleep and ends once no sleeper is registered (the last poller released its own), so a
/// clock nobody uses holds no thread; the next sleep starts a new one.
package final class PollClock: Sendable {
    /// The clock every poller uses.
    package static let shared = PollClock()

    /// One poller's entry: its armed deadline, its continuation while it sleeps, and the previous deadline it was
    /// woken for (the period to anticipate is the distance between the two).
    private struct Sleeper {
        var deadline: ContinuousClock.Instant?
        var continuation: CheckedContinuation<Void, any Error>?
        var previousDeadline: ContinuousClock.Instant?
    }

    /// A deadline in the heap. Entries are not removed when a sleeper's deadline changes: one whose instant is no
    /// longer its sleeper's deadline is stale and skipped when it reaches the top.
    private struct Armed: Comparable {
        var deadline: ContinuousClock.Instant
        var sleeper: UInt64

        static func < (lhs: Armed, rhs: Armed) -> Bool {
            (lhs.deadline, lhs.sleeper) < (rhs.deadline, rhs.sleeper)
        }
    }

    private struct State {
        var sleepers: [UInt64: Sleeper] = [:]
        /// Every armed deadline, earliest first (and stale ones, see `Armed`): a wake-up costs O(log n) in the
        /// number of sleepers, not a pass over all of them (at 1000 meters that pass was a fifth of the bridge's CPU).
        var armed = Heap<Armed>()
        var nextID: UInt64 = 0
        /// The deadline the thread waits for now; nil while it waits without one (or has not started).
        var waitingUntil: ContinuousClock.Instant?
        var threadStarted = false
        /// The timer thread's kernel id while it runs (for tests and diagnostics).
        var threadID: Int32?
        /// How often a sleep had to wake the thread (an earlier deadline than the one it waited for).
        var armingWakes = 0
        /// Sleeps that found their deadline armed already (or past), without waking the thread.
        var sleepsWithoutWake = 0
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    package init() {}

    /// A new sleeper's identity; `release(_:)` it when its poller ends.
    package func register() -> UInt64 {
        state.withLock { state in
            state.nextID &+= 1
            state.sleepers[state.nextID] = Sleeper()
            return state.nextID
        }
    }

    /// Forgets a sleeper (its poller ended); a sleep of it still pending ends with `CancellationError`.
    package func release(_ sleeper: UInt64) {
        let (continuation, lastOne) = state.withLock { state in
            let continuation = state.sleepers.removeValue(forKey: sleeper)?.continuation
            return (continuation, state.sleepers.isEmpty && state.threadStarted)
        }
        continuation?.resume(throwing: CancellationError())
        // The thread ends when it finds nobody registered.
        if lastOne { wakeup.signal() }
    }

    /// The timer thread's kernel id (as in `/proc/self/task`) while it runs; nil when no thread runs.
    package var timerThreadID: Int32? {
        state.withLock { $0.threadStarted ? $0.threadID : nil }
    }

    /// How many sleeps had to wake the timer thread, and how many did not; for tests and diagnostics.
    package var wakeCounts: (armingWakes: Int, sleepsWithoutWake: Int) {
        state.withLock { ($0.armingWakes, $0.sleepsWithoutWake) }
    }

    /// Suspends until `deadline` (never earlier), or until the calling task is cancelled.
    /// - Throws: `CancellationError` when the task is cancelled (at once, whatever the deadline) or the sleeper was
    ///   released.
    package func sleep(_ sleeper: UInt64, until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        if deadline <= .now {
            state.withLock { $0.sleepsWithoutWake += 1 }
            return
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Arming in
                    guard state.sleepers[sleeper] != nil else { return .released }
                    if Task.isCancelled { return .cancelled }
                    if state.sleepers[sleeper]?.deadline != deadline {
                        state.sleepers[sleeper]?.deadline = deadline
                        state.armed.insert(Armed(deadline: deadline, sleeper: sleeper))
                    }
                    state.sleepers[sleeper]?.continuation = continuation
                    if !state.threadStarted {
                        state.threadStarted = true
                        state.waitingUntil = deadline
                        return .startThread
                    }
                    if let waiting = state.waitingUntil, waiting <= deadline {
                        state.sleepsWithoutWake += 1
                        return .armed
                    }
                    state.waitingUntil = deadline
                    state.armingWakes += 1
                    return .wakeThread
                }
                switch outcome {
                case .released, .cancelled: continuation.resume(throwing: CancellationError())
                case .armed: break
                case .wakeThread: wakeup.signal()
                case .startThread: startThread()
                }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                defer {
                    state.sleepers[sleeper]?.continuation = nil
                    state.sleepers[sleeper]?.deadline = nil
                }
                return state.sleepers[sleeper]?.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// What a sleep's registration found.
    private enum Arming {
        case released, cancelled, armed, wakeThread, startThread
    }

    /// Starts the timer thread: a detached POSIX thread (not Foundation's `Thread`, whose machinery the bridge
    /// would otherwise not load), named `pro380-clock` (`ThreadIdentity`).
    private func startThread() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            &attributes,
            { argument in
                guard let argument else { return nil }
                let clock = Unmanaged<PollClock>.fromOpaque(argument).takeRetainedValue()
                ThreadIdentity.name("pro380-clock")
                let id = ThreadIdentity.current
                clock.state.withLock { $0.threadID = id }
                clock.runTimer()
                return nil
            },
            context
        )
        pthread_attr_destroy(&attributes)
        // Without a thread no sleep would ever end: a bridge that cannot make one thread cannot run at all.
        precondition(rc == 0, "pthread_create failed for the poll clock: \(String(cString: strerror(rc)))")
    }

    /// The timer thread: ends the sleeps that are due, arms their next deadlines a period ahead, waits for the
    /// earliest deadline (or a wake-up); returns (the thread ends) once no sleeper is registered.
    private func runTimer() {
        while true {
            let now = ContinuousClock.now
            let step = state.withLock {
                state -> (due: [CheckedContinuation<Void, any Error>], next: ContinuousClock.Instant?)? in
                guard !state.sleepers.isEmpty else {
                    state.threadStarted = false
                    state.threadID = nil
                    state.waitingUntil = nil
                    state.armed = Heap()
                    return nil
                }
                var due: [CheckedContinuation<Void, any Error>] = []
                while let top = state.armed.min, top.deadline <= now {
                    state.armed.removeMin()
                    guard let sleeper = state.sleepers[top.sleeper], sleeper.deadline == top.deadline else { continue }
                    guard let continuation = sleeper.continuation else {
                        // Anticipated, and nobody slept for it: the poller is still busy or waits longer now.
                        state.sleepers[top.sleeper]?.deadline = nil
                        continue
                    }
                    due.append(continuation)
                    let next = Self.anticipated(after: top.deadline, previous: sleeper.previousDeadline, now: now)
                    state.sleepers[top.sleeper] = Sleeper(
                        deadline: next,
                        continuation: nil,
                        previousDeadline: top.deadline
                    )
                    if let next { state.armed.insert(Armed(deadline: next, sleeper: top.sleeper)) }
                }
                // Stale entries on top would make the thread wake for nothing.
                while let top = state.armed.min, state.sleepers[top.sleeper]?.deadline != top.deadline {
                    state.armed.removeMin()
                }
                let next = state.armed.min?.deadline
                state.waitingUntil = next
                return (due, next)
            }
            guard let (due, next) = step else { return }
            for continuation in due { continuation.resume() }
            if let next {
                wakeup.wait(until: next)
            } else {
                wakeup.wait()
            }
        }
    }

    /// The next deadline to arm for a sleeper woken for `deadline`: one period (the distance from its previous
    /// deadline) later, if that period is known, positive and the instant still ahead.
    private static func anticipated(
        after deadline: ContinuousClock.Instant,
        previous: ContinuousClock.Instant?,
        now: ContinuousClock.Instant
    ) -> ContinuousClock.Instant? {
        guard let previous, previous < deadline else { return nil }
        let next = deadline + (deadline - previous)
        return next > now ? next : nil
    }
}
