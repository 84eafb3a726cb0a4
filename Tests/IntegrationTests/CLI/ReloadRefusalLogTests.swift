import Foundation
import Simulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A reload refused for broken YAML, told in the journal: a real SIGHUP to the built daemon, whose file no longer
/// parses. Each log line is one line naming file and line (no empty `key=`: a syntax error is no key's), and the
/// running config stays.
@Suite(.serialized) struct ReloadRefusalLogTests {
    /// A config the daemon starts with, one meter of the rig's simulator.
    static func validConfig(_ rig: DaemonRig, clientID: String) -> String {
        """
        mqtt: {host: 127.0.0.1, port: \(rig.broker.port), client_id: \(clientID)}
        buses:
          - name: gateway
            modbus_tcp: {host: 127.0.0.1, port: \(rig.simulator.port!)}
            meters:
              - {name: one, address: 1, interval: 1s}
        """
    }

    /// `buses` (line 2) has no `:`: Yams's scanner error at line 3, which Yams words over four lines.
    static let brokenYAML = "mqtt: {host: 127.0.0.1}\nbuses\ndiagnostics_interval: 1s\n"

    /// Starts the daemon on a valid file with `format`, breaks the file, sends SIGHUP, waits for the refusal;
    /// returns the daemon's standard error lines.
    static func refusedReload(format: String) async throws -> (lines: [String], file: String) {
        let rig = try await DaemonRig(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 1)))
        try validConfig(rig, clientID: "refusal-\(format)").write(to: rig.file, atomically: true, encoding: .utf8)
        let daemon = try ChildProcess(
            CLITests.binary,
            ["run", "--config", rig.file.path, "--log-format", format],
            environment: ["NOTIFY_SOCKET": rig.listener.address],
            separateStandardError: true
        )
        #expect(await rig.listener.wait { $0.contains("READY=1") }, "\(daemon.errorLines)")
        try brokenYAML.write(to: rig.file, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        let refused = await rig.listener.wait {
            $0.contains { $0.hasPrefix("STATUS=") && $0.contains("config reload refused") }
        }
        #expect(refused, "\(rig.listener.assignments)\n\(daemon.errorLines)")
        try await daemon.waitForLine(timeout: .seconds(20), standardError: true) {
            $0.contains("config not reloaded")
        }
        #expect(daemon.exitStatus == nil, "the refused reload ended the daemon: \(daemon.errorLines)")
        daemon.send(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.errorLines)")
        await rig.finish()
        return (daemon.errorLines, rig.file.path)
    }

    @Test func jsonLogNamesFileAndLineAndNoEmptyKey() async throws {
        let (lines, file) = try await Self.refusedReload(format: "json")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == lines.count, "not every line is one JSON object: \(lines)")
        let problem = try #require(
            events.first { ($0["message"] as? String)?.contains("not valid YAML") == true },
            "\(lines)"
        )
        let message = try #require(problem["message"] as? String)
        #expect(message.hasPrefix("\(file):3: not valid YAML: "), "\(message)")
        #expect(message.contains("could not find expected ':'"), "\(message)")
        #expect(!message.contains("\n") && !message.contains("^"), "\(message)")
        let metadata = try #require(problem["metadata"] as? [String: String], "\(problem)")
        #expect(metadata == ["file": file, "line": "3"], "\(metadata)")
    }

    @Test func textLogIsOneLinePerProblemWithoutAnEmptyKey() async throws {
        let (lines, file) = try await Self.refusedReload(format: "text")
        let problem = try #require(lines.first { $0.contains("not valid YAML") }, "\(lines)")
        #expect(problem.contains("file=\(file)") && problem.contains("line=3"), "\(problem)")
        #expect(!problem.contains("key="), "\(problem)")
        #expect(problem.contains("could not find expected ':'"), "\(problem)")
        // Yams's quote of the line and its caret stay out of the log.
        #expect(
            !lines.contains { $0.hasPrefix("diagnostics_interval") || $0.trimmingCharacters(in: .whitespaces) == "^" }
        )
        #expect(lines.contains { $0.contains("config not reloaded") && $0.contains("running config stays") })
    }
}
