import Foundation
import ProcessSpawn
import Synchronization

/// A process started by a test, with its stdout and stderr collected as lines by a dedicated reader thread.
///
/// Used by the broker, subscriber and proxy helpers. `waitForLine` polls the collected lines; nothing here sleeps
/// for a fixed time before trusting a peer to be ready.
package final class ChildProcess: Sendable {
    private struct Output {
        var lines: [String] = []
        var errorLines: [String] = []
        var exitStatus: Int32?
        var exitedAt: ContinuousClock.Instant?
        var exitWaiters: [CheckedContinuation<Int32, Never>] = []
    }

    /// The process ID, for signals.
    package let pid: Int32
    /// The command line, for error messages.
    package let commandLine: String
    /// Shared with the termination handler and the reader thread, which start before `self` exists.
    private final class OutputBox: Sendable {
        let mutex = Mutex(Output())
    }

    private let box = OutputBox()

    /// A state folder of this test process's own (`STATE_DIRECTORY` for children that don't name one), so a spawned
    /// bridge's default outbox file never lands in the user's `~/.local/state` nor carries a backlog from one test
    /// run into the next.
    private static let testStateDirectory: String = {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("pro380-test-state-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }()

    /// Starts `executable` with `arguments`; stdin is /dev/null, stdout and stderr go to one pipe (`lines`), or,
    /// with `separateStandardError`, stderr to its own (`errorLines`).
    ///
    /// Spawned with `ChildSpawn` rather than Foundation's `Process`: the child gets an empty signal mask and default
    /// handlers (Dispatch's threads block SIGTERM, and a broker inheriting that mask ignores `stop()`), and none of
    /// the test process's other descriptors (an inherited MQTT socket would keep a "cut" connection alive).
    /// - Parameters:
    ///   - environment: variables added to (or replacing those of) this process's environment.
    ///   - ownProcessGroup: the child leads a process group of its own (its `pid`), so a test can signal the group
    ///     as a terminal's Ctrl-C does.
    package init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        separateStandardError: Bool = false,
        ownProcessGroup: Bool = false
    ) throws {
        let (readEnd, writeEnd) = try Self.makePipe(executable)
        let errorPipe = separateStandardError ? try Self.makePipe(executable) : nil
        var variables = ProcessInfo.processInfo.environment
        variables["STATE_DIRECTORY"] = variables["STATE_DIRECTORY"] ?? Self.testStateDirectory
        variables.merge(environment) { $1 }
        let spawned: pid_t
        do {
            spawned = try ChildSpawn.spawn(
                executable,
                arguments,
                environment: variables.map { "\($0.key)=\($0.value)" },
                standardOutput: writeEnd,
                standardError: errorPipe?.1 ?? writeEnd,
                ownProcessGroup: ownProcessGroup
            )
        } catch {
            close(writeEnd)
            close(readEnd)
            if let errorPipe {
                close(errorPipe.0)
                close(errorPipe.1)
            }
            throw ChildProcessError(spawning: executable, error.code)
        }
        close(writeEnd)
        if let errorPipe { close(errorPipe.1) }
        let pid = spawned
        self.pid = pid
        self.commandLine = ([executable] + arguments).joined(separator: " ")
        let box = self.box
        // stderr (when separate) is read to its end on its own thread; the stdout thread waits for it, so every
        // line of both is in before the exit status is.
        let errorDone = DispatchSemaphore(value: 0)
        if let errorPipe {
            Thread.detachNewThread {
                Self.readLines(errorPipe.0) { line in box.mutex.withLock { $0.errorLines.append(line) } }
                errorDone.signal()
            }
        } else {
            errorDone.signal()
        }
        // A blocking read loop, then waitpid, on its own thread, never on the cooperative pool.
        Thread.detachNewThread {
            Self.readLines(readEnd) { line in box.mutex.withLock { $0.lines.append(line) } }
            errorDone.wait()
            let exitStatus = ChildSpawn.waitForExit(pid)
            let exitedAt = ContinuousClock.now
            box.mutex.withLock { output in
                output.exitStatus = exitStatus
                output.exitedAt = exitedAt
                for waiter in output.exitWaiters { waiter.resume(returning: exitStatus) }
                output.exitWaiters.removeAll()
            }
        }
    }

    /// A pipe whose both ends are close-on-exec, so children spawned concurrently by other tests do not inherit it.
    private static func makePipe(_ executable: String) throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcessError(spawning: executable, errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// Reads `fd` to its end, handing over each line (and a last unterminated one); closes `fd`.
    private static func readLines(_ fd: Int32, _ line: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                line(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        close(fd)
        if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
    }

    /// Every line printed so far (stdout and stderr interleaved, unless stderr was asked separately).
    package var lines: [String] { box.mutex.withLock { $0.lines } }

    /// Every line printed on stderr so far, when started with `separateStandardError`.
    package var errorLines: [String] { box.mutex.withLock { $0.errorLines } }

    /// The exit status once the process ended, else nil.
    package var exitStatus: Int32? { box.mutex.withLock { $0.exitStatus } }

    /// When `waitpid` saw the process end, on the reader thread (so a busy test process does not delay it).
    package var exitedAt: ContinuousClock.Instant? { box.mutex.withLock { $0.exitedAt } }

    /// Sends `signal` (SIGTERM, SIGKILL, SIGSTOP, ...) unless the process already ended.
    package func send(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    /// Waits until the process ended and returns its exit status.
    package func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            box.mutex.withLock { output in
                if let status = output.exitStatus {
                    continuation.resume(returning: status)
                } else {
                    output.exitWaiters.append(continuation)
                }
            }
        }
    }

    /// Waits until a printed line satisfies `predicate`, polling every few milliseconds.
    /// - Throws: `ChildProcessError` when the process exits first or `timeout` passes.
    /// - Parameter standardError: look in `errorLines` (a process started with `separateStandardError`).
    package func waitForLine(
        timeout: Duration = .seconds(10),
        standardError: Bool = false,
        where predicate: (String) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (found, ended) = box.mutex.withLock {
                ((standardError ? $0.errorLines : $0.lines).contains(where: predicate), $0.exitStatus != nil)
            }
            if found { return }
            if ended || ContinuousClock.now > deadline {
                throw ChildProcessError(
                    commandLine: commandLine,
                    output: lines + errorLines,
                    reason: ended ? "exited" : "timed out"
                )
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A child process did not print what the test waited for.
package struct ChildProcessError: Error, CustomStringConvertible {
    package var commandLine: String
    package var output: [String]
    package var reason: String

    init(spawning executable: String, _ code: Int32) {
        self.init(commandLine: executable, output: [], reason: "cannot start: \(String(cString: strerror(code)))")
    }

    package init(commandLine: String, output: [String], reason: String) {
        self.commandLine = commandLine
        self.output = output
        self.reason = reason
    }

    package var description: String {
        "\(commandLine): \(reason); output:\n" + output.suffix(30).joined(separator: "\n")
    }
}

#if canImport(Glibc)
import Glibc
#endif
