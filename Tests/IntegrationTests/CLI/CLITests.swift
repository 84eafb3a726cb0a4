import Foundation
import Logging
import Simulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `pro380-mqtt` binary, run as a user would (argument-parser's `MathExampleTests` style).
@Suite(.serialized) struct CLITests {
    /// The executable next to the test bundle in the build folder.
    static let binary: String = {
        var folder = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        let candidate = folder.appendingPathComponent("pro380-mqtt").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        return TestEnvironment.packageRoot.appendingPathComponent(".build/debug/pro380-mqtt").path
    }()

    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ChildProcess(Self.binary, arguments)
        let status = await process.waitForExit()
        return (status, process.lines.joined(separator: "\n"))
    }

    @Test func helpListsEverySubcommand() async throws {
        let (status, output) = try await run(["--help"])
        #expect(status == 0)
        for command in ["demo", "run", "read", "write", "simulate", "scan", "check-config", "bench"] {
            #expect(output.contains(command), "\(command) missing from --help")
        }
    }

    @Test func checkConfigNamesFileLineAndKey() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).yaml")
        try
            "buses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n      - {name: m, adress: 1}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await run(["check-config", file.path])
        #expect(status == 2)
        #expect(
            output.contains("\(file.path):5: buses[0].meters[0].adress: unknown key (did you mean address?)"),
            "\(output)"
        )
    }

    @Test func sampleConfigChecksClean() async throws {
        let (status, sample) = try await run(["check-config", "--sample"])
        #expect(status == 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).yaml")
        try sample.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (checked, output) = try await run(["check-config", file.path])
        #expect(checked == 0, "\(output)")
        #expect(output.contains("ok: 5 bus(es), 7 meter(s)"))
    }

    /// `demo` keeps its outbox in a folder of its own, removed when it stops: never the daemon's default file of its
    /// client id, so a second demo (other meters) replays nothing the first left unsent, and the daemon finds none.
    @Test func demoUsesAnOutboxOfItsOwnNeverTheDefaultFile() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("demo-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let demo = try ChildProcess(
            Self.binary,
            ["demo", "--duration", "6"],
            environment: ["XDG_STATE_HOME": state.path, "STATE_DIRECTORY": ""]
        )
        let status = await demo.waitForExit()
        let output = demo.lines.joined(separator: "\n")
        #expect(status == 0, "\(output)")
        let line = try #require(demo.lines.first { $0.hasPrefix("  outbox ") }, "\(output)")
        let path = try #require(line.split(separator: " ").dropFirst().first.map(String.init), "\(line)")
        #expect(path.contains("/pro380-demo-") && path.hasSuffix("/outbox.sqlite"), "\(line)")
        #expect(path != "\(state.path)/pro380-mqtt/outbox-pro380-mqtt-demo.sqlite")
        #expect(!FileManager.default.fileExists(atPath: state.path), "the demo wrote into the state folder")
        #expect(!FileManager.default.fileExists(atPath: path), "the demo's outbox outlived it")
        let stopped = try #require(demo.lines.first { $0.hasPrefix("demo stopped: ") }, "\(output)")
        #expect(!stopped.hasPrefix("demo stopped: 0 messages"), "\(stopped)")
    }

    /// A Ctrl-C at the terminal (SIGINT to the demo's whole process group) stops the demo in order: the broker the
    /// demo started is in a group of its own and outlives the bridge's shutdown, so the bridge neither loses its
    /// connection nor warns of messages kept for a next start (the demo's outbox is removed as it stops).
    @Test func demoStopsCleanlyOnCtrlC() async throws {
        let demo = try ChildProcess(Self.binary, ["demo"], ownProcessGroup: true)
        defer { kill(-demo.pid, SIGKILL) }
        try await demo.waitForLine(timeout: .seconds(30)) { $0.contains("[online]") }
        kill(-demo.pid, SIGINT)
        let status = await Self.exitStatus(of: demo)
        let output = demo.lines.joined(separator: "\n")
        #expect(status == 0, "\(output)")
        #expect(demo.lines.contains { $0.hasPrefix("demo stopped: ") }, "\(output)")
        let problems = demo.lines.filter {
            ($0.contains(" warning ") || $0.contains(" error ")) && !$0.contains("pseudo-terminal: running 8N1")
        }
        #expect(problems.isEmpty, "\(output)")
    }

    /// The demo's own broker killed under it: the demo says so once, as an error naming the broker and the signal,
    /// and goes on (the bridge retries and keeps its readings) until Ctrl-C, which still stops it cleanly.
    @Test func demoSaysWhenItsBrokerDies() async throws {
        let demo = try ChildProcess(Self.binary, ["demo"], ownProcessGroup: true)
        defer { kill(-demo.pid, SIGKILL) }
        try await demo.waitForLine(timeout: .seconds(30)) { $0.contains("[online]") }
        let broker = try #require(Self.child(of: demo.pid, named: "mosquitto"), "\(demo.lines.joined(separator: "\n"))")
        kill(broker, SIGKILL)
        try await demo.waitForLine(timeout: .seconds(10)) { $0.contains("the demo's mosquitto (pid \(broker)) ended") }
        let report = demo.lines.filter { $0.contains("the demo's mosquitto (pid") }
        #expect(report.count == 1, "\(report)")
        #expect(report.first?.contains(" error ") == true, "\(report)")
        #expect(report.first?.contains("killed by signal 9") == true, "\(report)")
        // Said by the bridge's client only, not a second time by the demo's watcher client.
        let lost = demo.lines.filter { $0.contains("MQTT connection lost") }
        #expect(lost.count == 1 && lost.first?.contains("mqtt.client=pro380-mqtt-demo") == true, "\(lost)")
        kill(-demo.pid, SIGINT)
        let status = await Self.exitStatus(of: demo)
        #expect(status == 0, "\(demo.lines.joined(separator: "\n"))")
        #expect(demo.lines.contains { $0.hasPrefix("demo stopped: ") })
    }

    /// A signal that comes while the demo is still starting (its broker up, the bridge not yet) or that is not
    /// Ctrl-C (a closed terminal's SIGHUP, Ctrl-\'s SIGQUIT) stops the demo with its broker: the broker runs in a
    /// process group of its own, so nothing else would stop it.
    @Test(arguments: [SIGINT, SIGHUP, SIGQUIT])
    func demoStopsItsBrokerOnASignalDuringStartUp(signal: Int32) async throws {
        let demo = try ChildProcess(Self.binary, ["demo"], ownProcessGroup: true)
        defer { kill(-demo.pid, SIGKILL) }
        var broker: Int32?
        let deadline = ContinuousClock.now + .seconds(20)
        while broker == nil, ContinuousClock.now < deadline {
            broker = Self.child(of: demo.pid, named: "mosquitto")
            if broker == nil { try await Task.sleep(for: .milliseconds(2)) }
        }
        let brokerPID = try #require(broker, "\(demo.lines.joined(separator: "\n"))")
        defer { kill(brokerPID, SIGKILL) }
        kill(-demo.pid, signal)
        let status = await Self.exitStatus(of: demo)
        let output = demo.lines.joined(separator: "\n")
        #expect(status == 0, "\(output)")
        #expect(demo.lines.contains { $0.hasPrefix("demo stopped: ") }, "\(output)")
        // Reparented and reaped once the demo is gone: wait for it to leave the process table (or be a zombie).
        var running = true
        while running, ContinuousClock.now < deadline + .seconds(10) {
            let stat = try? String(contentsOfFile: "/proc/\(brokerPID)/stat", encoding: .utf8)
            running = stat.map { !$0.contains(") Z ") } ?? false
            if running { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!running, "the demo's mosquitto (\(brokerPID)) outlived it")
    }

    /// The exit status of `process`, which must end within 30 s (then it is killed, and reads as 128 + SIGKILL).
    static func exitStatus(of process: ChildProcess) async -> Int32 {
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            kill(-process.pid, SIGKILL)
            kill(process.pid, SIGKILL)
        }
        defer { deadline.cancel() }
        return await process.waitForExit()
    }

    /// The process ID of a child of `parent` whose command name is `name` (`/proc/*/stat`), if there is one.
    static func child(of parent: Int32, named name: String) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if stat[stat.index(after: open)..<close] == name, fields.count > 1, Int32(fields[1]) == parent {
                return pid
            }
        }
        return nil
    }

    /// CRCs cross-checked with pymodbus's `FramerRTU.compute_CRC`.
    @Test(arguments: [
        (["tariff", "2"], "01 06 60 48 00 02 96 1D"),
        (["s0_output_rate", "10"], "01 10 40 0D 00 02 04 41 20 00 00 16 03"),
        (["lcd_cycle_time", "25"], "01 06 40 10 00 25 5C 14"),
        (["combination_code", "10"], "01 06 40 0F 00 0A 2C 0E"),
    ])
    func writeDryRunPrintsTheManualsFrames(arguments: [String], frame: String) async throws {
        let (status, output) = try await run(
            ["write", "--modbus-rtu", "/dev/null-not-opened", "--address", "1"] + arguments + ["--dry-run"]
        )
        #expect(status == 0, "\(output)")
        #expect(output.contains(frame), "\(output)")
    }

    @Test(arguments: [
        ["tariff", "3"], ["modbus_id", "248"], ["voltage_l1", "230"], ["parity", "mark"], ["lcd_cycle_time", "31"],
    ])
    func writeRefusesBeforeTouchingTheBus(arguments: [String]) async throws {
        // The device does not exist: a refusal must come before any attempt to open it.
        let (status, output) = try await run(
            ["write", "--modbus-rtu", "/dev/does-not-exist", "--address", "1"] + arguments
        )
        #expect(status == 2, "\(output)")
        #expect(output.contains("refused:"), "\(output)")
        #expect(!output.contains("does-not-exist"), "the bus was touched: \(output)")
    }

    @Test func readPrintsEveryValueOfASimulatedMeter() async throws {
        let logger = Logger(label: "cli-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: logger
        )
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let (status, output) = try await run([
            "read", "--modbus-tcp", "127.0.0.1:\(simulator.port!)", "--address", "1", "--json",
        ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"serial_number\": {\"value\": \"13070042\", \"unit\": null}"), "\(output)")
        #expect(output.contains("\"voltage_l1\": {\"value\": "))
        #expect(output.contains("\"forward_active_energy_t1\": {\"value\": "))
        #expect(!output.contains("\"voltage\":"), "a PRO1-only row was published")
    }

    /// `simulate --legacy-map` run as a user would, then `read` and `scan` against it: both name the map and say what
    /// to do; `read` prints no value and fails.
    @Test func readAndScanDiagnoseAMeterOnTheOldRegisterMap() async throws {
        let simulator = try ChildProcess(Self.binary, ["simulate", "--modbus-tcp", "127.0.0.1:0", "--legacy-map"])
        defer { simulator.send(SIGKILL) }
        try await simulator.waitForLine(timeout: .seconds(30)) { $0.contains("modbus_tcp: {host:") }
        #expect(simulator.lines.contains { $0.contains("old V1.14 registers") }, "\(simulator.lines)")
        let line = try #require(simulator.lines.first { $0.contains("modbus_tcp: {host:") })
        let port = try #require(line.split(separator: "port: ").last.map { String($0.prefix { $0.isNumber }) })

        let (status, output) = try await run(["read", "--modbus-tcp", "127.0.0.1:\(port)", "--address", "1"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("register map: legacy_v1.14"), "\(output)")
        #expect(output.contains("firmware update") && output.contains("optical port"), "\(output)")
        #expect(!output.contains("voltage_l1"), "\(output)")

        let scan = try await run(["scan", "--modbus-tcp", "127.0.0.1:\(port)", "--from", "1", "--to", "2"])
        #expect(scan.output.contains("address 1: register map legacy_v1.14"), "\(scan.output)")
        #expect(scan.output.contains("# unit 1 answers the old (V1.14) register map"), "\(scan.output)")
        simulator.send(SIGKILL)
        _ = await simulator.waitForExit()
    }

    /// `read` needs an address for Modbus (no default: a unit id cannot be guessed) and the README's reference says
    /// so; IEC 62056-21 needs none. A missing address is told as missing, not as out of range, with the
    /// subcommand's usage (`read`'s, `write`'s).
    @Test func readWithoutAnAddressSaysWhatItNeedsAsTheReadmeDoes() async throws {
        let (status, output) = try await run(["read", "--modbus-tcp", "127.0.0.1:1"])
        #expect(status == 64, "\(output)")
        #expect(output.contains("a Modbus meter needs --address: its unit id, 1 to 247"), "\(output)")
        // The error comes with `read`'s own usage, not the top-level one.
        #expect(output.contains("Usage: pro380-mqtt read ") && !output.contains("<subcommand>"), "\(output)")
        #expect(output.contains("See 'pro380-mqtt read --help'"), "\(output)")
        let (write, writeOutput) = try await run(["write", "--modbus-tcp", "127.0.0.1:1", "tariff", "2"])
        #expect(write == 64 && writeOutput.contains("a Modbus meter needs --address"), "\(writeOutput)")
        #expect(writeOutput.contains("Usage: pro380-mqtt write ") && !writeOutput.contains("<subcommand>"))
        let (ignored, ignoredOutput) = try await run([
            "write", "--modbus-tcp", "127.0.0.1:1", "--address", "1", "--secondary-address", "13070001", "tariff", "2",
        ])
        #expect(ignored == 64 && ignoredOutput.contains("--secondary-address is for M-Bus"), "\(ignoredOutput)")
        let (optical, opticalOutput) = try await run(["read", "--iec62056-tcp", "127.0.0.1:1", "--address", "3"])
        #expect(optical == 64 && opticalOutput.contains("an optical port reads the one meter"), "\(opticalOutput)")
        let (negative, negativeOutput) = try await run(["read", "--modbus-tcp", "127.0.0.1:-1", "--address", "1"])
        #expect(negative == 64 && negativeOutput.contains("the port must be 1-65535, not -1"), "\(negativeOutput)")
        let (dryRun, dryRunOutput) = try await run([
            "write", "--mbus-tcp", "127.0.0.1:1", "--address", "1", "tariff", "2", "--dry-run",
        ])
        #expect(dryRun == 64 && dryRunOutput.contains("--dry-run shows Modbus frames only"), "\(dryRunOutput)")
        #expect(dryRunOutput.contains("Usage: pro380-mqtt write ") && !dryRunOutput.contains("<subcommand>"))
        let (outOfRange, rangeOutput) = try await run(["read", "--modbus-tcp", "127.0.0.1:1", "--address", "300"])
        #expect(outOfRange == 64 && rangeOutput.contains("--address must be a Modbus unit id 1 to 247, not 300"))
        let (mbus, mbusOutput) = try await run(["read", "--mbus-tcp", "127.0.0.1:1"])
        #expect(mbus == 64 && mbusOutput.contains("give --address (primary) or --secondary-address"), "\(mbusOutput)")
        let readme = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"),
            encoding: .utf8
        )
        let row = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| `read <bus>") })
        #expect(row.contains("`read <bus> <address> [--json]`"), "\(row)")
        #expect(row.contains("(Modbus: required"), "\(row)")
        let (_, help) = try await run(["read", "--help"])
        #expect(help.contains("required for Modbus"), "\(help)")
    }

    /// A port out of range is told as a port out of range (it was "not host:port"), in every command that takes one
    /// and in the config, in one wording (`TCPPort.problem`); something that is not host:port at all still says so.
    @Test func aPortOutOfRangeIsToldAsSuch() async throws {
        let cases: [([String], String)] = [
            (
                ["read", "--modbus-tcp", "127.0.0.1:99999", "--address", "1"],
                "--modbus-tcp 127.0.0.1:99999: the port must be 1-65535, not 99999"
            ),
            (["read", "--mbus-tcp", "gateway:0", "--address", "1"], "--mbus-tcp gateway:0: the port must be 1-65535"),
            (
                ["simulate", "--modbus-tcp", "127.0.0.1:70000"],
                "--modbus-tcp 127.0.0.1:70000: the port must be 0-65535 (0 picks a free one), not 70000"
            ),
            (["demo", "--broker", "localhost:99999"], "--broker localhost:99999: the port must be 1-65535, not 99999"),
            (
                ["run", "--config", "/nonexistent.yaml", "--broker-port", "99999"],
                "the port must be 1-65535, not 99999"
            ),
            (["read", "--modbus-tcp", "gateway", "--address", "1"], "--modbus-tcp gateway is not host:port"),
        ]
        for (arguments, expected) in cases {
            let (status, output) = try await run(arguments)
            #expect(status == 64, "\(arguments): \(output)")
            #expect(output.contains(expected), "\(arguments): \(output)")
            #expect(!output.contains("99999 is not host:port"), "\(arguments): \(output)")
        }
        // check-config words it as the command line does.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).yaml")
        try "mqtt: {port: 0}\nbuses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 99999}\n"
            .appending("    meters: [{name: m, address: 1}]\n")
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await run(["check-config", file.path])
        #expect(status == 2)
        #expect(output.contains("\(file.path):1: mqtt.port: the port must be 1-65535, not 0"), "\(output)")
        #expect(
            output.contains("\(file.path):4: buses[0].modbus_tcp.port: the port must be 1-65535, not 99999"),
            "\(output)"
        )
        #expect(!output.contains("out of range"), "\(output)")
    }
}
