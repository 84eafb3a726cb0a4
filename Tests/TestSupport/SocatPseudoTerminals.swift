import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Two pseudo-terminals joined by `socat` (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`): bytes written to one
/// path come out of the other. An independent pty pair, for checking `SerialPort` against a tool other than our
/// own `PseudoTerminal`, and for peers (pyserial scripts) that want a path on both ends.
///
/// Use `with(_:)`, which stops socat afterwards, or call `stop()`. Stopping sends SIGKILL: a child started from a
/// dispatch thread can inherit that thread's blocked signals and never see a SIGTERM.
package final class SocatPseudoTerminals: Sendable {
    /// The two `/dev/pts/N` paths socat reported.
    package let paths: (String, String)
    private let process: ChildProcess

    private init(paths: (String, String), process: ChildProcess) {
        self.paths = paths
        self.process = process
    }

    /// Whether `socat` is installed (`scripts/setup.sh` installs it).
    package static var isAvailable: Bool { executable != nil }

    private static let executable: String? = ["/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts socat and waits until it has printed both "PTY is /dev/pts/N" lines.
    /// - Throws: `ChildProcessError` when socat exits or does not report two paths within `timeout`;
    ///   `SocatError` when socat is not installed.
    package static func start(timeout: Duration = .seconds(10)) async throws -> SocatPseudoTerminals {
        guard let executable else { throw SocatError(message: "socat is not installed") }
        let process = try ChildProcess(executable, ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"])
        do {
            try await process.waitForLine(timeout: timeout) { $0.contains("starting data transfer loop") }
        } catch {
            process.send(SIGKILL)
            _ = await process.waitForExit()
            throw error
        }
        let paths = process.lines.compactMap { line -> String? in
            guard let marker = line.range(of: "PTY is ") else { return nil }
            return String(line[marker.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard paths.count == 2 else {
            process.send(SIGKILL)
            _ = await process.waitForExit()
            throw SocatError(message: "socat did not report two pty paths: \(process.lines)")
        }
        return SocatPseudoTerminals(paths: (paths[0], paths[1]), process: process)
    }

    /// Starts a pair, runs `body` with it and stops socat afterwards, also when `body` throws.
    package static func with<Result>(
        _ body: (SocatPseudoTerminals) async throws -> Result
    ) async throws -> Result {
        let pair = try await start()
        do {
            let result = try await body(pair)
            await pair.stop()
            return result
        } catch {
            await pair.stop()
            throw error
        }
    }

    /// Kills socat and waits until it has exited. A second call does nothing more.
    package func stop() async {
        process.send(SIGKILL)
        _ = await process.waitForExit()
    }
}

/// socat could not be started as a pty pair.
package struct SocatError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
