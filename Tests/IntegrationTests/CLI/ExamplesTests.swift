import Bridge
import Foundation
import MQTT
import Simulator
import TestSupport
import Testing

/// The `examples/` folder: every config passes `check-config`, the instances fit together, and the tariff schedule
/// really switches meters without saving (the script run against a real broker, the bridge and the simulator).
@Suite(.serialized) struct ExamplesTests {
    static let folder = TestEnvironment.packageRoot.appendingPathComponent("examples")

    /// Every bridge config under `examples/` (the Home Assistant automation is Home Assistant's YAML).
    static func configs() throws -> [URL] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        let files = (enumerator?.allObjects as? [URL]) ?? []
        return files.filter { $0.pathExtension == "yaml" && $0.lastPathComponent != "homeassistant-automation.yaml" }
            .sorted { $0.path < $1.path }
    }

    /// A staged root holding the files the examples name, as an installed machine would.
    static func stagedRoot() async throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)")
        let etc = root.appendingPathComponent("etc/pro380-mqtt")
        let certs = root.appendingPathComponent("etc/ssl/certs")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        let tls = try await TestCertificates.make(in: etc)
        try FileManager.default.copyItem(
            atPath: tls.caFile,
            toPath: certs.appendingPathComponent("ca-certificates.crt").path
        )
        try "the-password\n".write(to: etc.appendingPathComponent("mqtt-password"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func everyExampleConfigChecks() async throws {
        let configs = try Self.configs()
        #expect(configs.count == 6, "\(configs.map(\.lastPathComponent))")
        let root = try await Self.stagedRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        for config in configs {
            let check = try ChildProcess(CLITests.binary, ["check-config", "--root", root.path, config.path])
            #expect(await check.waitForExit() == 0, "\(config.path): \(check.lines.joined(separator: "\n"))")
            #expect(check.lines.contains { $0.hasPrefix("\(config.path): ok:") }, "\(check.lines)")
        }
        // Without the password file the check fails, naming the key: the files a config names are checked.
        let homeAssistant = Self.folder.appendingPathComponent("home-assistant/config.yaml").path
        let missing = try ChildProcess(CLITests.binary, ["check-config", homeAssistant])
        #expect(await missing.waitForExit() == 2)
        #expect(
            missing.lines.contains {
                $0.contains("mqtt.password_file: /etc/pro380-mqtt/mqtt-password does not exist")
            },
            "\(missing.lines)"
        )
    }

    @Test func instancesShareTheBrokerAndBaseTopicWithTheirOwnClientIdsAndMeters() async throws {
        let root = try await Self.stagedRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let instances = try ["basement", "garage"].map {
            try BridgeConfiguration.load(
                path: Self.folder.appendingPathComponent("multi-instance/\($0).yaml").path,
                root: root.path
            )
        }
        #expect(Set(instances.map(\.mqtt.clientID)).count == 2)
        #expect(Set(instances.map(\.mqtt.baseTopic)) == ["pro380"])
        #expect(Set(instances.map { "\($0.mqtt.host):\($0.mqtt.port)" }).count == 1)
        let names = instances.map { Set($0.meters.map(\.meter.name)) }
        #expect(names[0].isDisjoint(with: names[1]))
    }

    @Test func mixedBasementHasAllThreeProtocols() async throws {
        let root = try await Self.stagedRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try BridgeConfiguration.load(
            path: Self.folder.appendingPathComponent("mixed-basement/config.yaml").path,
            root: root.path
        )
        #expect(Set(config.buses.map(\.link.configKey)) == ["modbus_rtu", "mbus_serial", "iec62056"])
        #expect(config.warnings.count == 3, "the three by-id devices are not on this machine: \(config.warnings)")
    }

    /// The cloud example keeps a week of readings on disk, in the state directory the installer creates, and
    /// replays them below the broker's rate limit; `check-config` says where.
    @Test func cloudExampleKeepsAWeekOnDisk() async throws {
        let root = try await Self.stagedRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = Self.folder.appendingPathComponent("cloud-tls/config.yaml").path
        let outbox = try BridgeConfiguration.load(path: path, root: root.path).outbox
        #expect(outbox.storage == .file("/var/lib/pro380-mqtt/outbox-site-42-basement.sqlite"))
        #expect(outbox.maxBytes == 64 << 20)
        #expect(outbox.maxAge == .seconds(168 * 3600))
        #expect(outbox.replayRate == 50)
        let check = try ChildProcess(CLITests.binary, ["check-config", "--root", root.path, path])
        #expect(await check.waitForExit() == 0, "\(check.lines)")
        let line =
            "  outbox: /var/lib/pro380-mqtt/outbox-site-42-basement.sqlite (max 64MiB, 168h, replay 50/s, sync full)"
        #expect(check.lines.contains(line), "\(check.lines)")
    }

    @Test func homeAssistantAutomationSwitchesWithoutSaving() throws {
        let text = try String(
            contentsOf: Self.folder.appendingPathComponent("tariff-schedule/homeassistant-automation.yaml"),
            encoding: .utf8
        )
        let topics = text.matches(of: /topic: (\S+)/).map { String($0.output.1) }
        let payloads = text.matches(of: /payload: '(.+)'/).map { String($0.output.1) }
        #expect(topics.count == 4 && payloads.count == 4)
        #expect(Set(topics) == ["pro380/flat-1/tariff/set", "pro380/flat-2/tariff/set"])
        for payload in payloads {
            let object = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
            #expect(object?["persist"] as? Bool == false, "\(payload)")
            #expect([1, 2].contains(object?["value"] as? Int ?? 0), "\(payload)")
        }
    }

    @Test func tariffScriptSwitchesTheMetersNotSaved() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(
                SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 2))
            )
            harness.startBridge(
                harness.configuration(buses: [
                    testBus("building", link: simulator.tcpLink, meters: [("flat-1", 1), ("flat-2", 2)])
                ])
            )
            await eventually("both meters online") {
                ["flat-1", "flat-2"].allSatisfy { harness.log.last(harness.topic($0, "availability")) == "online" }
            }
            let script = Self.folder.appendingPathComponent("tariff-schedule/pro380-tariff").path
            let environment = ["MQTT_PORT": "\(harness.broker.port)", "BASE_TOPIC": "pro380", "TIMEOUT": "20"]
            let run = try ChildProcess("/bin/bash", [script, "T2", "flat-1", "flat-2"], environment: environment)
            #expect(await run.waitForExit() == 0, "\(run.lines)")
            #expect(run.lines.count == 2 && run.lines.allSatisfy { $0.contains("\"status\": \"ok\"") }, "\(run.lines)")
            for unit in [1, 2] {
                let settings = try simulator.meter(unit).settings
                #expect(settings.activeTariff == 2 && settings.tariff == 1, "unit \(unit): switched, not saved")
            }

            // A meter nobody answers for: the script says so and fails.
            let unanswered = try ChildProcess(
                "/bin/bash",
                [script, "1", "nobody"],
                environment: environment.merging(["TIMEOUT": "2"]) { $1 }
            )
            #expect(await unanswered.waitForExit() == 1, "\(unanswered.lines)")
            #expect(unanswered.lines.first?.hasPrefix("nobody: no answer within 2 s") == true, "\(unanswered.lines)")
        }
    }

    @Test func tariffUnitsVerify() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { return }
        let staged = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staged) }
        let script = Self.folder.appendingPathComponent("tariff-schedule/pro380-tariff").path
        var units: [String] = []
        for name in ["pro380-tariff-t1", "pro380-tariff-t2"] {
            for suffix in ["service", "timer"] {
                let text = try String(
                    contentsOf: Self.folder.appendingPathComponent("tariff-schedule/\(name).\(suffix)"),
                    encoding: .utf8
                )
                let file = staged.appendingPathComponent("\(name).\(suffix)").path
                try text.replacingOccurrences(of: "/usr/local/bin/pro380-tariff", with: script)
                    .write(toFile: file, atomically: true, encoding: .utf8)
                units.append(file)
            }
        }
        let verify = try ChildProcess("/usr/bin/systemd-analyze", ["verify"] + units)
        #expect(await verify.waitForExit() == 0, "\(verify.lines)")
    }
}
