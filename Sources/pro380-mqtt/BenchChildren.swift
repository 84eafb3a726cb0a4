import Foundation
import ProcessSpawn
import Synchronization

/// Every child process this program started and has not reaped yet (`BenchChild`), so an interrupted benchmark or
/// demo stops them all before it exits instead of orphaning a broker or a bridge.
enum BenchChildren {
    private static let live = Mutex<[pid_t: String]>([:])

    /// Starts a child through `ChildSpawn` (clean signal state) and lists it; `reaped` takes it off the list.
    /// - Throws: `ChildSpawn.Failure` when it cannot start.
    static func spawn(
        _ executable: String,
        _ arguments: [String],
        name: String,
        standardOutput: Int32?,
        standardError: Int32?,
        ownProcessGroup: Bool = false
    ) throws(ChildSpawn.Failure) -> pid_t {
        // Listed under the lock that `stopAll` takes, so a child started while the benchmark is being interrupted
        // is either stopped by it or not started.
        try live.withLock { live throws(ChildSpawn.Failure) in
            let pid = try ChildSpawn.spawn(
                executable,
                arguments,
                standardOutput: standardOutput,
                standardError: standardError,
                ownProcessGroup: ownProcessGroup
            )
            live[pid] = name
            return pid
        }
    }

    /// The child `pid` ended and was reaped.
    static func reaped(_ pid: pid_t) { _ = live.withLock { $0.removeValue(forKey: pid) } }

    /// The children still running: process ID and name.
    static var running: [pid_t: String] { live.withLock { $0 } }

    /// SIGTERM to every child still running, SIGKILL to those left after `grace`; returns once all were reaped
    /// (their reader threads reap them). Blocks the calling thread: for the last moments of the process.
    static func stopAll(grace: Duration = .seconds(5)) {
        let deadline = ContinuousClock.now + grace
        for pid in running.keys { kill(pid, SIGTERM) }
        while !running.isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        for pid in running.keys { kill(pid, SIGKILL) }
        let killed = ContinuousClock.now + .seconds(5)
        while !running.isEmpty, ContinuousClock.now < killed { usleep(10_000) }
    }
}
