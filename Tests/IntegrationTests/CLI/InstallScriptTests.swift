import Foundation
import TestSupport
import Testing

/// `scripts/install.sh` staged into a temporary folder (`--destdir`) with the built binary: what lands where, a
/// config that is never overwritten, and a unit that `systemd-analyze verify` accepts.
@Suite(.serialized) struct InstallScriptTests {
    func install(_ arguments: [String]) async throws -> (status: Int32, output: [String]) {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/install.sh").path
        let process = try ChildProcess("/bin/bash", [script, "--binary", CLITests.binary] + arguments)
        return (await process.waitForExit(), process.lines)
    }

    @Test func stagesBinaryConfigUserUnitAndStateDirectory() async throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: stage) }
        func path(_ relative: String) -> String { stage.appendingPathComponent(relative).path }
        func read(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }

        let first = try await install(["--destdir", stage.path])
        #expect(first.status == 0, "\(first.output.joined(separator: "\n"))")
        #expect(FileManager.default.isExecutableFile(atPath: path("usr/local/bin/pro380-mqtt")))
        let sample = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("config/example.yaml"),
            encoding: .utf8
        )
        #expect(try read("etc/pro380-mqtt/config.yaml") == sample)
        #expect(try read("etc/sysusers.d/pro380-mqtt.conf").contains("m pro380-mqtt dialout"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path("var/lib/pro380-mqtt"), isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
        let attributes = try FileManager.default.attributesOfItem(atPath: path("etc/pro380-mqtt/config.yaml"))
        #expect((attributes[.posixPermissions] as? Int) == 0o640, "the config may name secrets")

        let unit = try read("etc/systemd/system/pro380-mqtt.service")
        for line in [
            "Type=notify", "ExecStart=/usr/local/bin/pro380-mqtt run --config /etc/pro380-mqtt/config.yaml",
            "User=pro380-mqtt", "SupplementaryGroups=dialout", "StateDirectory=pro380-mqtt", "ProtectSystem=strict",
            "DevicePolicy=closed", "DeviceAllow=char-ttyUSB rw", "NoNewPrivileges=yes",
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "\(line) missing")
        }
        #expect(unit.contains("\nWatchdogSec="))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
            #expect(first.output.contains("install: unit verified (systemd-analyze verify)"), "\(first.output)")
        }
        // The staged config checked as installed: the sample's serial devices are only warnings.
        #expect(first.output.contains { $0.hasSuffix("config.yaml: ok: 5 bus(es), 7 meter(s), broker 127.0.0.1:1883") })

        // Again, after the user edited the config, with another prefix: the config stays, the rest follows.
        try (sample + "# edited on site\n").write(
            toFile: path("etc/pro380-mqtt/config.yaml"),
            atomically: true,
            encoding: .utf8
        )
        let second = try await install(["--destdir", stage.path, "--prefix", "/opt/pro380"])
        #expect(second.status == 0, "\(second.output.joined(separator: "\n"))")
        #expect(try read("etc/pro380-mqtt/config.yaml").hasSuffix("# edited on site\n"))
        #expect(try read("etc/pro380-mqtt/config.yaml.sample") == sample)
        #expect(FileManager.default.isExecutableFile(atPath: path("opt/pro380/bin/pro380-mqtt")))
        #expect(
            try read("etc/systemd/system/pro380-mqtt.service").contains(
                "\nExecStart=/opt/pro380/bin/pro380-mqtt run --config /etc/pro380-mqtt/config.yaml\n"
            )
        )
    }

    @Test func refusesUnknownOptions() async throws {
        let (status, output) = try await install(["--destdir"])
        #expect(status != 0, "\(output)")
        let (unknown, message) = try await install(["--frobnicate"])
        #expect(unknown == 2)
        #expect(message.contains { $0.contains("unknown option --frobnicate") })
    }
}
