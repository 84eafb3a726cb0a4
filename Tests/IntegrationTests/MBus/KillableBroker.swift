import Foundation
import TestSupport

/// A mosquitto on a free loopback port that is stopped with SIGKILL.
///
/// Why not `MosquittoBroker`: children of the test process inherit a signal mask with SIGTERM blocked (seen as
/// `SigBlk: 0000000000004a03` in /proc/<pid>/status: HUP, INT, USR1, USR2, TERM), so its `stop()` (SIGTERM, then
/// wait) waits for ever. SIGKILL cannot be blocked.
struct KillableBroker {
    let port: Int
    let directory: URL
    let process: ChildProcess

    static func start() async throws -> KillableBroker {
        let port = TestEnvironment.freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mbus-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("mosquitto.conf")
        let lines = [
            "listener \(port) 127.0.0.1", "persistence false", "allow_anonymous true",
            "user \(ProcessInfo.processInfo.userName)", "log_dest stderr",
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess("/usr/sbin/mosquitto", ["-c", config.path])
        let broker = KillableBroker(port: port, directory: directory, process: process)
        let deadline = ContinuousClock.now + .seconds(10)
        while !MosquittoBroker.acceptsConnections(port: port) {
            if process.exitStatus != nil || ContinuousClock.now > deadline {
                await broker.stop()
                throw BrokerNotListening(output: process.lines)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return broker
    }

    func stop() async {
        process.send(SIGKILL)
        _ = await process.waitForExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// mosquitto exited or did not listen in time.
struct BrokerNotListening: Error, CustomStringConvertible {
    var output: [String]
    var description: String { "mosquitto is not listening: \(output.joined(separator: "\n"))" }
}
