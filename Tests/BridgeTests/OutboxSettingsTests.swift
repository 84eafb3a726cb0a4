import Foundation
import Outbox
import TestSupport
import Testing

@testable import Bridge

/// The `outbox:` section: defaults, where the file goes, and errors naming the key.
@Suite struct OutboxSettingsTests {
    let bus =
        "buses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n      - {name: m, address: 1}\n"

    func parse(_ prefix: String, environment: [String: String] = ["HOME": "/home/op"]) throws -> OutboxSettings {
        try BridgeConfiguration.parse(
            yaml: prefix + bus,
            file: "/etc/pro380-mqtt/bridge.yaml",
            environment: environment
        )
        .outbox
    }

    @Test func withoutTheSectionReadingsWaitOnDiskInTheStateFolder() throws {
        let settings = try parse("mqtt: {client_id: basement}\n")
        #expect(settings.storage == .file("/home/op/.local/state/pro380-mqtt/outbox-basement.sqlite"))
        #expect(settings.maxBytes == 256 << 20)
        #expect(settings.maxAge == .seconds(30 * 24 * 3600))
        #expect(settings.replayRate == 100)
        #expect(settings.synchronous == .full)
        #expect(settings.writeAhead == false)
        #expect(settings.summary.hasSuffix("; max 256MiB, 720h, replay 100/s, sync full)"))
    }

    @Test(arguments: [
        (["STATE_DIRECTORY": "/var/lib/pro380-mqtt:/var/lib/other", "HOME": "/root"], "/var/lib/pro380-mqtt"),
        (["XDG_STATE_HOME": "/srv/state", "HOME": "/root"], "/srv/state/pro380-mqtt"),
        (["HOME": "/root"], "/root/.local/state/pro380-mqtt"),
    ])
    func theStateFolderFollowsSystemdThenXDGThenHome(environment: [String: String], folder: String) throws {
        let settings = try parse("", environment: environment)
        #expect(settings.storage == .file("\(folder)/outbox-pro380-mqtt.sqlite"))
        // Where the installed service keeps it, said when that is another file (a check run from a shell).
        let service = "/var/lib/pro380-mqtt/outbox-pro380-mqtt.sqlite"
        let other = folder != "/var/lib/pro380-mqtt"
        #expect(settings.serviceDefaultPath == (other ? service : nil))
        #expect(settings.summary.contains("(under the installed service: \(service); max 256MiB") == other)
        #expect(settings.summary.hasPrefix("\(folder)/outbox-pro380-mqtt.sqlite ("), "\(settings.summary)")
    }

    /// A path the config names is where the outbox is, for the service too: no second place is said.
    @Test func aPathGivenIsTheOnePlace() throws {
        let settings = try parse("outbox: {path: /srv/outbox.sqlite}\n")
        #expect(settings.serviceDefaultPath == nil)
        #expect(settings.summary == "/srv/outbox.sqlite (max 256MiB, 720h, replay 100/s, sync full)")
    }

    /// The service's state folder is the one the shipped unit asks systemd for (`StateDirectory=`, under /var/lib/).
    @Test func theServiceStateFolderIsTheUnitsStateDirectory() throws {
        let unit = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("config/pro380-mqtt.service"),
            encoding: .utf8
        )
        let names = unit.split(separator: "\n").filter { $0.hasPrefix("StateDirectory=") }
        #expect(
            names.map { "/var/lib/" + $0.dropFirst("StateDirectory=".count) } == [
                "\(OutboxSettings.serviceStateDirectory)"
            ]
        )
    }

    @Test func everyKey() throws {
        let settings = try parse(
            """
            outbox: {path: state/outbox.db, max_bytes: 64MB, max_age: 48h, replay_rate: 500, sync: normal,
              write_ahead: true}

            """
        )
        #expect(settings.storage == .file("/etc/pro380-mqtt/state/outbox.db"))
        #expect(settings.maxBytes == 64_000_000)
        #expect(settings.maxAge == .seconds(48 * 3600))
        #expect(settings.replayRate == 500)
        #expect(settings.synchronous == .normal)
        #expect(settings.writeAhead)
        #expect(settings.summary.hasSuffix(" (max 64000000 bytes, 48h, replay 500/s, sync normal, write-ahead)"))
        #expect(try parse("outbox: {max_bytes: 1GiB}\n").maxBytes == 1 << 30)
        #expect(try parse("outbox: {max_bytes: 100000}\n").maxBytes == 100_000)
    }

    @Test func disabledKeepsThemInMemoryWithASmallerBound() throws {
        let settings = try parse("outbox: {enabled: false}\n")
        #expect(settings.storage == .memory)
        #expect(settings.maxBytes == 16 << 20)
        #expect(settings.summary.hasPrefix("in memory only"))
    }

    @Test(arguments: [
        ("outbox: {max_bytes: 1kB}\n", "outbox.max_bytes", "64KiB to 1TiB"),
        ("outbox: {max_bytes: lots}\n", "outbox.max_bytes", "such as 256MB, 512MiB or 1GB, got \"lots\""),
        ("outbox: {max_age: 10s}\n", "outbox.max_age", "at least 1m"),
        ("outbox: {replay_rate: 0}\n", "outbox.replay_rate", "1 to 100000, got \"0\""),
        ("outbox: {sync: sometimes}\n", "outbox.sync", "every commit), got \"sometimes\""),
        ("outbox: {write_ahead: always}\n", "outbox.write_ahead", "true or false"),
        ("outbox: {enabled: false, path: x.db}\n", "outbox.path", "in memory"),
        ("outbox: {max_byte: 1MB}\n", "outbox.max_byte", "did you mean max_bytes?"),
    ])
    func errorsNameTheKey(yaml: String, key: String, message: String) {
        let errors = #expect(throws: ConfigurationErrors.self) { try parse(yaml) }
        let error = errors?.errors.first
        #expect(errors?.errors.count == 1, "\(String(describing: errors))")
        #expect(error?.file == "/etc/pro380-mqtt/bridge.yaml")
        #expect(error?.line == 1)
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    /// One run reports every problem of the section, each with its own line and key, beside the others of the file.
    @Test func everyProblemAtOnce() {
        let yaml = """
            outbox:
              max_bytes: 10
              max_age: 7d
              replay_rate: fast
              sync: sometimes
            log_level: loud

            """
        let errors = #expect(throws: ConfigurationErrors.self) { try parse(yaml) }
        #expect(
            errors?.errors.map(\.key) == [
                "outbox.max_bytes", "outbox.max_age", "outbox.replay_rate", "outbox.sync", "log_level",
            ],
            "\(String(describing: errors))"
        )
        #expect(errors?.errors.map(\.line) == [2, 3, 4, 5, 6])
    }

    /// A path naming a folder is refused with the fix; under `check-config --root` the folder is looked up in the
    /// staged tree while the config keeps the real path.
    @Test func aFolderIsNoOutboxFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("var/lib/pro380-mqtt"),
            withIntermediateDirectories: true
        )
        defer { try? FileManager.default.removeItem(at: root) }
        func parse(_ path: String) throws -> BridgeConfiguration {
            try BridgeConfiguration.parse(
                yaml: "outbox: {path: \(path)}\n" + bus,
                file: "/etc/pro380-mqtt/bridge.yaml",
                root: root.path
            )
        }
        let errors = #expect(throws: ConfigurationErrors.self) { try parse("/var/lib/pro380-mqtt") }
        #expect(errors?.errors.first?.key == "outbox.path")
        #expect(
            errors?.description.contains("/var/lib/pro380-mqtt is a folder") == true,
            "\(String(describing: errors))"
        )
        let config = try parse("/var/lib/pro380-mqtt/outbox.sqlite")
        #expect(config.outbox.storage == .file("/var/lib/pro380-mqtt/outbox.sqlite"))
        #expect(config.warnings.isEmpty, "\(config.warnings)")
    }
}
