import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Python test peer (Tests/Peers/*.py) run with the venv's interpreter: started with arguments, trusted only
/// once it printed `READY`, stopped with SIGTERM (SIGKILL if it lingers) by `stop()` or, as a fallback, on deinit.
package final class PythonPeer: Sendable {
    /// The running interpreter.
    package let process: ChildProcess

    /// Starts `Tests/Peers/<script>` with `arguments` and waits for its READY line.
    /// - Throws: `ChildProcessError` when the venv is missing, the script exits, or READY does not come in `timeout`.
    package init(script: String, arguments: [String], timeout: Duration = .seconds(20)) async throws {
        guard let python = TestEnvironment.python else {
            throw ChildProcessError(
                commandLine: script,
                output: [],
                reason: "no test venv: run scripts/setup.sh --with-test-peers"
            )
        }
        let path = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/\(script)").path
        process = try ChildProcess(python, ["-u", path] + arguments)
        do {
            try await process.waitForLine(timeout: timeout) { $0 == "READY" }
        } catch {
            process.send(SIGKILL)
            throw error
        }
    }

    /// Everything the peer printed (stdout and stderr).
    package var output: [String] { process.lines }

    /// Stops the peer and waits until it exited: SIGTERM, then SIGKILL if it still runs after `grace`.
    package func stop(grace: Duration = .seconds(3)) async {
        process.send(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.exitStatus == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.exitStatus == nil { process.send(SIGKILL) }
        _ = await process.waitForExit()
    }

    deinit { process.send(SIGKILL) }
}
