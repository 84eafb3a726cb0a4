import Foundation
import Logging
import SerialIO

/// A throwaway `mosquitto` for the demo: its own config in a temporary folder, a free loopback port, no
/// persistence; stopped when the demo ends.
final class LocalBroker: Sendable {
    let port: Int
    private let child: BenchChild
    private let folder: URL

    /// Starts mosquitto and returns once it accepts connections.
    /// - Throws: `DemoError` when mosquitto is missing or does not start listening within 10 s.
    init() async throws {
        let executable = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let executable else {
            throw DemoError("mosquitto is not installed: run scripts/setup.sh (apt-get install mosquitto)")
        }
        // A port that was free a moment ago: bound to port 0, read back, released.
        let probe = try TCPListener(host: "127.0.0.1", port: 0)
        port = probe.port
        probe.close()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pro380-demo-broker-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("mosquitto.conf")
        try """
        listener \(port) 127.0.0.1
        allow_anonymous true
        persistence false
        user \(ProcessInfo.processInfo.userName)
        log_dest none

        """.write(to: config, atomically: true, encoding: .utf8)
        // In a process group of its own: a Ctrl-C at the terminal stops the demo, whose bridge still publishes its
        // `offline` and empties its outbox before the broker is stopped (with the terminal's SIGINT the broker went
        // first, and the bridge warned of a lost connection and of messages kept for a next start that never comes).
        child = try BenchChild(executable, ["-c", config.path], name: "mosquitto", ownProcessGroup: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let transport = try? await TCPTransport.connect(
                host: "127.0.0.1",
                port: port,
                timeout: .milliseconds(200)
            ) {
                await transport.close()
                return
            }
            guard child.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw DemoError("mosquitto did not start listening on 127.0.0.1:\(port)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Says once, as an error, when the broker ends while the demo runs (killed, crashed), then waits until it is
    /// cancelled (the demo's shutdown): the demo goes on, so the bridge's reconnect attempts and its outbox can be
    /// watched, but a newcomer is told why nothing reaches the broker any more, not left with reconnect warnings.
    func reportExit(logger: Logger) async {
        while child.isRunning {
            guard (try? await Task.sleep(for: .milliseconds(250))) != nil else { return }
        }
        let status = child.terminationStatus ?? 0
        let how = status > 128 ? "killed by signal \(status - 128)" : "exit status \(status)"
        logger.error(
            "the demo's mosquitto (pid \(child.pid)) ended (\(how)): the bridge goes on polling and keeps the readings in its outbox until a broker listens on 127.0.0.1:\(port) again; Ctrl-C ends the demo"
        )
        while (try? await Task.sleep(for: .seconds(3600))) != nil {}
    }

    /// Stops the broker (SIGTERM, which it obeys: `BenchChild` starts it with every signal at its default) and
    /// removes its folder.
    func stop() {
        child.stopNow()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A demo set-up problem, said plainly.
struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
