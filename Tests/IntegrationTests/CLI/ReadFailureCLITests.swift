import Foundation
import SerialIO
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `read` that reads nothing, as the built binary says it: with `--json` standard output stays one JSON object
/// (the error and what was tried), the text goes to standard error; a port a running bridge holds is named as such,
/// and nothing promises retries a one-shot command never makes.
@Suite(.serialized) struct ReadFailureCLITests {
    /// `read` run to its end: exit status, standard output, standard error.
    func read(_ arguments: [String]) async throws -> (status: Int32, output: [String], errors: [String]) {
        let process = try ChildProcess(CLITests.binary, ["read"] + arguments, separateStandardError: true)
        let status = await process.waitForExit()
        return (status, process.lines, process.errorLines)
    }

    /// The JSON object `read --json` printed on standard output (all of it: nothing else may be there).
    func object(_ output: [String]) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(output.joined(separator: "\n").utf8))
        return try #require(parsed as? [String: Any], "\(output)")
    }

    @Test func aPortHeldByARunningBridgeIsSaidSoAndJSONStaysJSON() async throws {
        let simulator = try ChildProcess(CLITests.binary, ["simulate"])
        defer { simulator.send(SIGKILL) }
        try await simulator.waitForLine(timeout: .seconds(30)) { $0.contains("pseudo-terminal /dev/") }
        let announcement = try #require(simulator.lines.first { $0.contains("pseudo-terminal /dev/") })
        let device = try #require(announcement.firstMatch(of: /\/dev\/\S+/).map { String($0.output) })

        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let brokerPort = listener.port
        listener.close()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        mqtt: {host: 127.0.0.1, port: \(brokerPort), client_id: held-port}
        homeassistant: {enabled: false}
        buses:
          - name: held
            modbus_rtu: {device: \(device)}
            meters: [{name: m, address: 1, interval: 1s}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let bridge = try ChildProcess(
            CLITests.binary,
            ["run", "--config", file.path, "--log-level", "debug"],
            separateStandardError: true
        )
        defer { bridge.send(SIGKILL) }
        try await bridge.waitForLine(timeout: .seconds(30), standardError: true) { $0.contains("bus open") }

        let json = try await read(["--modbus-rtu", device, "--address", "1", "--json"])
        #expect(json.status == 1, "\(json)")
        let report = try object(json.output)
        let error = try #require(report["error"] as? String, "\(report)")
        #expect(error.hasPrefix("could not read the meter on \(device): "), "\(error)")
        #expect(error.components(separatedBy: device).count == 2, "the device named once: \(error)")
        #expect(error.contains("probably a running bridge"), "\(error)")
        #expect(report["bus"] as? String == "modbus_rtu", "\(report)")
        #expect(report["endpoint"] as? String == device, "\(report)")
        #expect(report["address"] as? Int == 1, "\(report)")
        let tried = try #require(report["tried"] as? [[String: Any]], "\(report)")
        #expect(!tried.isEmpty && tried.allSatisfy { ($0["keys"] as? [String])?.isEmpty == false })
        #expect(tried.allSatisfy { ($0["reason"] as? String)?.contains("held by another program") == true })
        #expect(json.errors.contains(error), "the text goes to standard error: \(json.errors)")
        #expect(!json.errors.contains { $0.contains("next transaction") || $0.contains("retry") }, "\(json.errors)")

        let text = try await read(["--modbus-rtu", device, "--address", "1"])
        #expect(text.status == 1, "\(text)")
        #expect(text.output.isEmpty, "\(text.output)")
        #expect(text.errors == [error], "\(text.errors)")

        bridge.send(SIGTERM)
        #expect(await bridge.waitForExit() == 0, "\(bridge.errorLines.suffix(10))")
    }

    @Test func aGatewayThatRefusesIsOneJSONObjectToo() async throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        let json = try await read(["--modbus-tcp", "127.0.0.1:\(port)", "--address", "7", "--json"])
        #expect(json.status == 1, "\(json)")
        let report = try object(json.output)
        let error = try #require(report["error"] as? String, "\(report)")
        // The endpoint is said once (it was "on 127.0.0.1:PORT: 127.0.0.1:PORT: cannot connect").
        #expect(
            error == "could not read the meter on 127.0.0.1:\(port): cannot connect: Connection refused",
            "\(error)"
        )
        #expect(report["endpoint"] as? String == "127.0.0.1:\(port)", "\(report)")
        #expect(report["address"] as? Int == 7, "\(report)")
        #expect(report["line"] == nil, "no serial line over TCP: \(report)")
        #expect((report["tried"] as? [Any])?.isEmpty == false, "\(report)")
        let reasons = (report["tried"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        // The reasons leave the endpoint to `endpoint`: the first read's connect is refused, the rest are not read.
        #expect(reasons.first == "cannot connect: Connection refused", "\(reasons)")
        #expect(reasons.allSatisfy { $0.hasSuffix("cannot connect: Connection refused") }, "\(reasons)")
        #expect(!reasons.contains { $0.contains("127.0.0.1") }, "\(reasons)")
        #expect(json.errors == [error], "\(json.errors)")
    }

    /// `write` that cannot write says so on standard error with a non-zero status, standard output empty: a refusal
    /// (exit 2, the bus untouched) and a gateway that refuses the connection (exit 1, the endpoint named once).
    @Test func writeFailuresGoToStandardError() async throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        let endpoint = "127.0.0.1:\(port)"
        let refused = try ChildProcess(
            CLITests.binary,
            ["write", "--modbus-tcp", endpoint, "--address", "1", "tariff", "9"],
            separateStandardError: true
        )
        #expect(await refused.waitForExit() == 2)
        #expect(refused.lines.isEmpty, "\(refused.lines)")
        #expect(refused.errorLines.contains { $0.hasPrefix("refused: ") }, "\(refused.errorLines)")

        let failed = try ChildProcess(
            CLITests.binary,
            ["write", "--modbus-tcp", endpoint, "--address", "1", "tariff", "2"],
            separateStandardError: true
        )
        #expect(await failed.waitForExit() == 1)
        #expect(failed.lines.isEmpty, "\(failed.lines)")
        let line = failed.errorLines.first { $0.hasPrefix("error: on \(endpoint): ") }
        #expect(line?.contains("cannot connect: Connection refused") == true, "\(failed.errorLines)")
        #expect(line?.components(separatedBy: endpoint).count == 2, "the endpoint named once: \(failed.errorLines)")
    }
}
