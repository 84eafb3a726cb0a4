import Foundation
import SerialIO
import TestSupport
import Testing

/// `--version`, the config's `log_level` and `--log-format json`, as the built binary does them.
@Suite(.serialized) struct LoggingCLITests {
    /// A config whose broker and bus refuse connections: the daemon runs, logs, and is stopped by the test.
    static func unreachableConfig(logLevel: String?) throws -> URL {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString).yaml")
        try """
        mqtt: {host: 127.0.0.1, port: \(port), client_id: log-test}
        \(logLevel.map { "log_level: \($0)" } ?? "")
        homeassistant: {enabled: false}
        buses:
          - name: gone
            mbus_tcp: {host: 127.0.0.1, port: \(port)}
            meters: [{name: m, address: 1, interval: 1s}]
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs the daemon until it logged a line containing `until`, then stops it with SIGTERM; its stderr lines.
    func runDaemon(_ arguments: [String], until: String) async throws -> (status: Int32, lines: [String]) {
        let process = try ChildProcess(CLITests.binary, ["run"] + arguments, separateStandardError: true)
        try await process.waitForLine(timeout: .seconds(30), standardError: true) { $0.contains(until) }
        process.send(SIGTERM)
        let status = await process.waitForExit()
        return (status, process.errorLines)
    }

    @Test func versionIsPrinted() async throws {
        let process = try ChildProcess(CLITests.binary, ["--version"])
        #expect(await process.waitForExit() == 0)
        let line = process.lines.first ?? ""
        #expect(line.wholeMatch(of: /pro380-mqtt \d+\.\d+\.\d+/) != nil, "\(process.lines)")
    }

    @Test func logLevelFromTheConfigAndTheCommandLineWins() async throws {
        let file = try Self.unreachableConfig(logLevel: "error")
        defer { try? FileManager.default.removeItem(at: file) }
        let quiet = try await runDaemon(["--config", file.path], until: "broker not reachable")
        #expect(quiet.status == 0)
        #expect(!quiet.lines.contains { $0.contains("starting:") }, "log_level: error hides notices: \(quiet.lines)")
        let loud = try await runDaemon(["--config", file.path, "--log-level", "notice"], until: "broker not reachable")
        #expect(loud.lines.contains { $0.contains("starting: 1 bus(es), 1 meter(s)") }, "\(loud.lines)")
    }

    /// A bridge that never reached its broker says so when it stops, with what stays stored: no claim that it waited
    /// for an acknowledgement (it said "the broker is gone or did not acknowledge within 3.0 seconds").
    @Test func aBridgeThatNeverConnectedSaysSoAtShutdown() async throws {
        let file = try Self.unreachableConfig(logLevel: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let stopped = try await runDaemon(["--config", file.path], until: "broker not reachable")
        #expect(stopped.status == 0)
        let line = stopped.lines.first { $0.contains("shutting down: never connected to the broker 127.0.0.1:") }
        #expect(line?.contains("message(s) stay stored in the outbox for the next start") == true, "\(stopped.lines)")
        #expect(!stopped.lines.contains { $0.contains("did not acknowledge") }, "\(stopped.lines)")
    }

    /// A broker that is down is "not reachable", retried with the back-off; its refused attempts are no dropped
    /// sessions, so no line blames a second bridge with the same client id (it did after three refused attempts).
    @Test func aBrokerThatIsDownIsNotTakenForDroppedSessions() async throws {
        let file = try Self.unreachableConfig(logLevel: "debug")
        defer { try? FileManager.default.removeItem(at: file) }
        let process = try ChildProcess(CLITests.binary, ["run", "--config", file.path], separateStandardError: true)
        let attempts = { process.errorLines.filter { $0.contains("broker not reachable") }.count }
        let deadline = ContinuousClock.now + .seconds(60)
        while attempts() < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        process.send(SIGTERM)
        #expect(await process.waitForExit() == 0)
        #expect(attempts() >= 4, "\(process.errorLines)")
        #expect(!process.errorLines.contains { $0.contains("dropped the connection") }, "\(process.errorLines)")
        #expect(!process.errorLines.contains { $0.contains("CancellationError") }, "\(process.errorLines)")
    }

    /// Over TLS a broker port nobody listens on is "Connection refused" at once, as without TLS (it was "no CONNACK
    /// within" the connect timeout: here a minute, longer than the test waits for the line).
    @Test func aClosedBrokerPortUnderTLSIsRefusedAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-closed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await TestCertificates.make(in: directory)
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        let file = directory.appendingPathComponent("tls.yaml")
        try """
        mqtt:
          host: 127.0.0.1
          port: \(port)
          client_id: tls-closed
          connect_timeout: 60s
          tls: {ca_file: \(certificates.caFile)}
        homeassistant: {enabled: false}
        buses:
          - name: gone
            mbus_tcp: {host: 127.0.0.1, port: \(port)}
            meters: [{name: m, address: 1, interval: 1s}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let (status, lines) = try await runDaemon(["--config", file.path], until: "broker not reachable")
        #expect(status == 0)
        let unreachable = lines.first { $0.contains("broker not reachable") } ?? ""
        #expect(unreachable.contains("127.0.0.1:\(port): Connection refused"), "\(lines)")
        #expect(!lines.contains { $0.contains("no CONNACK") }, "\(lines)")
    }

    @Test func jsonLogLinesForJournaldAndLoki() async throws {
        let file = try Self.unreachableConfig(logLevel: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, lines) = try await runDaemon(
            ["--config", file.path, "--log-format", "json"],
            until: "broker not reachable"
        )
        #expect(status == 0)
        #expect(lines.count >= 3, "\(lines)")
        var levels: Set<String> = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let time = object?["time"] as? String ?? ""
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(line)")
            #expect(object?["label"] as? String == "pro380-mqtt", "\(line)")
            #expect((object?["message"] as? String)?.isEmpty == false, "\(line)")
            levels.insert(object?["level"] as? String ?? "")
        }
        #expect(levels.isSuperset(of: ["notice", "error"]), "\(levels)")
        let starting = lines.first { $0.contains("starting:") } ?? ""
        #expect(starting.contains("\"source\": \"Bridge\""), "\(starting)")
    }

    @Test func configErrorsAreLoggedOneALine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try
            "diagnostics_interval: 5\nbuses:\n  - name: a\n    modbus_tcp: {host: h, port: 502}\n    meters: [{name: m, address: 999}]\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = try ChildProcess(
            CLITests.binary,
            ["run", "--config", file.path, "--log-format", "json"],
            separateStandardError: true
        )
        #expect(await process.waitForExit() == 2)
        let messages = process.errorLines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["message"] as? String
        }
        #expect(messages.count == 2, "\(process.errorLines)")
        #expect(messages.first?.hasPrefix("\(file.path):1: diagnostics_interval: 5 has no unit") == true)
        #expect(messages.last?.hasPrefix("\(file.path):5: buses[0].meters[0].address: 999 is out of range") == true)
    }
}
