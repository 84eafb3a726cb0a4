/// What to tell the service manager, tick by tick: a value that returns the notifications (house style rule 7);
/// `ServiceNotifier` sends them.
///
/// - `READY=1` once every configured meter finished its first poll (answered or not), or after `readyAfter` at
///   the latest (a bus full of silent meters must not hold up `systemctl start`). Polling does not wait for the
///   broker: readings queue until it is there, so the broker is not a condition of being ready.
/// - `STATUS=` whenever the text changes: meters online, the broker, a poll that is stuck.
/// - `WATCHDOG=1` every half `watchdogTimeout` (`WATCHDOG_USEC`), and only while the bridge is healthy: no poll
///   has been in flight longer than `watchdogTimeout` (a poll ends after its timeouts, a few seconds, however dead
///   the meter; one that does not end means a hung bus). This value itself being ticked proves the task executor
///   runs. Once the pings stop, the manager restarts the daemon `watchdogTimeout` later.
/// - `STOPPING=1` when shutdown begins.
/// - `RELOADING=1` with `MONOTONIC_USEC=` when a reload (SIGHUP) begins, `READY=1` when it is done, applied or
///   refused (sd_notify(3): "a service that sends RELOADING=1 must also send READY=1 when it completed reloading";
///   `MONOTONIC_USEC=`, the `CLOCK_MONOTONIC` time in µs, lets systemd ≥ 253 match the notification to its reload
///   job, and older ones ignore it).
package struct ServiceNotifications: Sendable {
    /// The watchdog timeout the manager set (`WATCHDOG_USEC`); `nil`: no watchdog.
    package let watchdogTimeout: Duration?
    /// The longest wait for the first poll of every meter before `READY=1`.
    package let readyAfter: Duration
    /// `readyAfter` unless a test sets another.
    package static let defaultReadyAfter = Duration.seconds(30)
    private let started: ContinuousClock.Instant
    package private(set) var ready = false
    private var lastStatus: String?
    private var lastPing: ContinuousClock.Instant?

    package init(
        watchdogTimeout: Duration?,
        readyAfter: Duration = Self.defaultReadyAfter,
        started: ContinuousClock.Instant = .now
    ) {
        self.watchdogTimeout = watchdogTimeout
        self.readyAfter = readyAfter
        self.started = started
    }

    /// The watchdog timeout `environment` asks for: `WATCHDOG_USEC` microseconds, when `WATCHDOG_PID` is unset or
    /// names this process (sd_watchdog_enabled(3)).
    package static func watchdogTimeout(environment: [String: String], pid: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(microseconds)
    }

    /// Whether start-up is over: every configured meter finished its first poll, or `readyAfter` passed since the
    /// start (`elapsed`). `READY=1` goes out then, and the pages only start-up used are given back.
    package static func startupIsOver(
        _ snapshot: BridgeStatusSnapshot,
        after elapsed: Duration,
        readyAfter: Duration = defaultReadyAfter
    ) -> Bool {
        snapshot.polledOnce >= snapshot.meters || elapsed >= readyAfter
    }

    /// The notifications due at `now` for the bridge's state.
    package mutating func tick(_ snapshot: BridgeStatusSnapshot, now: ContinuousClock.Instant = .now) -> [String] {
        var out: [String] = []
        if !ready, Self.startupIsOver(snapshot, after: now - started, readyAfter: readyAfter) {
            ready = true
            out.append("READY=1")
        }
        var status =
            ready
            ? snapshot.text
            : "starting: first poll of \(snapshot.meters) meter(s), \(snapshot.polledOnce) done"
        let healthy: Bool
        if let timeout = watchdogTimeout, let (meter, duration) = snapshot.longestPoll, duration > timeout {
            healthy = false
            status += "; the poll of \(meter) has run for over \(timeout.components.seconds) s: hung?"
        } else {
            healthy = true
        }
        if status != lastStatus {
            lastStatus = status
            out.append("STATUS=\(status)")
        }
        if let timeout = watchdogTimeout, healthy, lastPing.map({ now - $0 >= timeout / 2 }) ?? true {
            lastPing = now
            out.append("WATCHDOG=1")
        }
        return out
    }

    /// The notification that a reload has begun, at `monotonicMicroseconds` (`CLOCK_MONOTONIC`).
    package static func reloading(monotonicMicroseconds: UInt64) -> [String] {
        ["RELOADING=1", "MONOTONIC_USEC=\(monotonicMicroseconds)", "STATUS=reloading the config"]
    }

    /// The notification that a reload is done (`note`: what became of it), with the bridge's state.
    package static func reloaded(_ snapshot: BridgeStatusSnapshot, note: String) -> [String] {
        ["READY=1", "STATUS=\(snapshot.text); \(note)"]
    }

    /// The notification that shutdown has begun.
    package func stopping() -> [String] {
        ["STOPPING=1", "STATUS=stopping: publishing offline for the meters, then disconnecting"]
    }
}
