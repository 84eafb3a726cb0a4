import Foundation
import Synchronization

/// A process started by a test, with its stdout and stderr collected as lines by a dedicated reader thread.
///
/// Used by the broker, subscriber and proxy helpers. `waitForLine` polls the collected lines; nothing here sleeps
/// for a fixed time before trusting a peer to be ready.
package final class ChildProcess: Sendable {
    private struct Output {
        var lines: [String] = []
        var exitStatus: Int32?
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
    private let process: Mutex<Process>

    /// Starts `executable` with `arguments`; stdin is /dev/null.
    package init(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let box = self.box
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            box.mutex.withLock { output in
                output.exitStatus = status
                for waiter in output.exitWaiters { waiter.resume(returning: status) }
                output.exitWaiters.removeAll()
            }
        }
        try process.run()
        self.pid = process.processIdentifier
        self.commandLine = ([executable] + arguments).joined(separator: " ")
        self.process = Mutex(process)
        let reader = pipe.fileHandleForReading
        // A blocking read loop on its own thread, never on the cooperative pool; it ends at EOF (the child exits).
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    box.mutex.withLock { $0.lines.append(line) }
                }
            }
            if !pending.isEmpty { box.mutex.withLock { $0.lines.append(String(decoding: pending, as: UTF8.self)) } }
        }
    }

    /// Every line printed so far (stdout and stderr interleaved).
    package var lines: [String] { box.mutex.withLock { $0.lines } }

    /// The exit status once the process ended, else nil.
    package var exitStatus: Int32? { box.mutex.withLock { $0.exitStatus } }

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
    package func waitForLine(
        timeout: Duration = .seconds(10), where predicate: (String) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (found, ended) = box.mutex.withLock { ($0.lines.contains(where: predicate), $0.exitStatus != nil) }
            if found { return }
            if ended || ContinuousClock.now > deadline {
                throw ChildProcessError(commandLine: commandLine, output: lines, reason: ended ? "exited" : "timed out")
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

    package var description: String {
        "\(commandLine): \(reason); output:\n" + output.suffix(30).joined(separator: "\n")
    }
}

#if canImport(Glibc)
import Glibc
#endif
