import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Two pseudo-terminals joined by `socat` (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`): bytes written to one
/// path come out of the other. An independent pty pair, for checking `SerialPort` against a tool other than our
/// own `PseudoTerminal`, and for peers (pyserial scripts) that want a path on both ends.
///
/// Call `stop()` when done; it kills socat and waits for it. (SIGKILL: a child started from a dispatch thread
/// inherits that thread's blocked signals, so socat may never see a SIGTERM.)
package final class SocatPseudoTerminals: Sendable {
    /// The two `/dev/pts/N` paths socat reported.
    package let paths: (String, String)
    private let process: Process

    private init(paths: (String, String), process: Process) {
        self.paths = paths
        self.process = process
    }

    /// Whether `socat` is installed (`scripts/setup.sh` installs it).
    package static var isAvailable: Bool { executable != nil }

    private static let executable: String? = ["/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts socat and waits (off the cooperative pool) until it has printed both "PTY is /dev/pts/N" lines.
    /// - Throws: `SocatError` when socat is missing, exits, or does not report two paths within `timeout`.
    package static func start(timeout: Duration = .seconds(10)) async throws -> SocatPseudoTerminals {
        guard let executable else { throw SocatError(message: "socat is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let reader = stderr.fileHandleForReading
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let paths: [String] = await withCheckedContinuation { continuation in
            DispatchQueue(label: "socat stderr").async {
                var text = ""
                var found: [String] = []
                while found.count < 2, ContinuousClock.now < deadline {
                    let data = reader.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                    found = text.split(separator: "\n").compactMap { line in
                        guard let marker = line.range(of: "PTY is ") else { return nil }
                        return String(line[marker.upperBound...]).trimmingCharacters(in: .whitespaces)
                    }
                }
                continuation.resume(returning: found)
            }
        }
        guard paths.count == 2 else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw SocatError(message: "socat did not report two pty paths (got \(paths))")
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

    /// Kills socat and waits (off the cooperative pool) until it has exited. A second call does nothing more.
    package func stop() async {
        let process = process
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue(label: "socat exit").async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}

/// socat could not be started as a pty pair.
package struct SocatError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
