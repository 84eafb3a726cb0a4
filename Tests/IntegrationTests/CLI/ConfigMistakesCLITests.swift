import Foundation
import TestSupport
import Testing

/// `check-config` on files with YAML mistakes, as the built binary says them: where the mistake is, by line, column
/// and key path, and the line quoted where it helps.
@Suite struct ConfigMistakesCLITests {
    /// `check-config FILE` on `yaml` written to a real file: exit status, the file's path, and every printed line.
    func check(_ yaml: String) async throws -> (status: Int32, path: String, lines: [String]) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mistake-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = try ChildProcess(CLITests.binary, ["check-config", file.path])
        let status = await process.waitForExit()
        return (status, file.path, process.lines)
    }

    @Test func aKeyGivenTwiceIsNamedByItsPathAtItsSecondLineWithTheFirstPlace() async throws {
        let (status, path, lines) = try await check(
            """
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502}
                meters: [{name: m, address: 1}]
              - name: b
                modbus_tcp: {host: 127.0.0.2, port: 502}
                meters:
                  - name: x
                    address: 2
                    name: y

            """
        )
        #expect(status == 2, "\(lines)")
        #expect(
            lines.contains(
                "\(path):10: buses[1].meters[0].name: given twice in one mapping (first at line 8, column 9); "
                    + "YAML allows each key once: keep one"
            ),
            "\(lines)"
        )
    }

    /// An unclosed `{` in the file: `check-config` quotes the line libyaml stopped at (the next one) with its caret,
    /// and the line the `{` was opened on, with its caret under the `{`.
    @Test func anUnclosedBraceIsShownWhereItWasOpened() async throws {
        let (status, path, lines) = try await check(
            """
            mqtt:
              host: 127.0.0.1
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502
                meters: [{name: m, address: 1}]

            """
        )
        #expect(status == 2, "\(lines)")
        let start = try #require(lines.firstIndex { $0.hasPrefix("\(path):") }, "\(lines)")
        #expect(
            Array(lines[start...].prefix(5)) == [
                "\(path):6: not valid YAML: did not find expected ',' or '}' (column 11): the flow mapping '{' "
                    + "opened at line 5, column 17 is not closed",
                "    meters: [{name: m, address: 1}]",
                "          ^",
                "    modbus_tcp: {host: 127.0.0.1, port: 502",
                "                ^ opened here",
            ],
            "\(lines)"
        )
    }

    /// Run from a shell, `check-config` shows the outbox in that user's state folder and, beside it, where the
    /// installed service keeps it (its `$STATE_DIRECTORY`); under the service's environment it says one place.
    @Test func theOutboxLineSaysWhereTheInstalledServiceKeepsIt() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString).yaml")
        try "mqtt: {client_id: cellar}\nbuses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n"
            .appending("    meters: [{name: m, address: 1}]\n")
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        let bounds = "max 256MiB, 720h, replay 100/s, sync full"
        let shell = try ChildProcess(
            CLITests.binary,
            ["check-config", file.path],
            environment: ["XDG_STATE_HOME": state, "STATE_DIRECTORY": ""]
        )
        #expect(await shell.waitForExit() == 0, "\(shell.lines)")
        #expect(
            shell.lines.contains(
                "  outbox: \(state)/pro380-mqtt/outbox-cellar.sqlite (under the installed service: "
                    + "/var/lib/pro380-mqtt/outbox-cellar.sqlite; \(bounds))"
            ),
            "\(shell.lines)"
        )
        let service = try ChildProcess(
            CLITests.binary,
            ["check-config", file.path],
            environment: ["STATE_DIRECTORY": "/var/lib/pro380-mqtt"]
        )
        #expect(await service.waitForExit() == 0, "\(service.lines)")
        #expect(
            service.lines.contains("  outbox: /var/lib/pro380-mqtt/outbox-cellar.sqlite (\(bounds))"),
            "\(service.lines)"
        )
    }
}
