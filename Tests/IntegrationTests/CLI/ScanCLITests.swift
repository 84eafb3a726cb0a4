import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// `pro380-mqtt scan` run as a user would, against the simulator on every kind of bus: the built binary, stdout
/// (the result alone) and stderr (the progress) read apart.
@Suite(.serialized) struct ScanCLITests {
    /// Serves `meters` simulated meters (Modbus on `endpoint`, optionally also M-Bus) while `body` runs.
    func withSimulator(
        meters: Int = 3,
        endpoint: SimulatorConfiguration.Endpoint = .tcp(host: "127.0.0.1", port: 0),
        mbus: MBusSimulatorServer.Endpoint? = nil,
        _ body: (SimulatorService) async throws -> Void
    ) async throws {
        let logger = Logger(label: "scan-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = try SimulatorService(
            configuration: SimulatorConfiguration(
                endpoint: endpoint,
                meters: SimulatorConfiguration.meters(count: meters),
                mbusPort: mbus
            ),
            logger: logger
        )
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        try await body(simulator)
    }

    /// Runs the binary; stdout and stderr apart.
    func scan(_ arguments: [String]) async throws -> (status: Int32, stdout: [String], stderr: [String]) {
        let process = try ChildProcess(CLITests.binary, ["scan"] + arguments, separateStandardError: true)
        let status = await process.waitForExit()
        return (status, process.lines, process.errorLines)
    }

    /// Checks a scan of addresses `from...to` that finds the three meters: a config block on stdout that
    /// `check-config` accepts, the progress on stderr.
    func expectConfigBlock(_ arguments: [String], link: String, from: Int, to: Int) async throws {
        let (status, stdout, stderr) = try await scan(arguments + ["--from", "\(from)", "--to", "\(to)"])
        #expect(status == 0, "stdout: \(stdout)\nstderr: \(stderr)")
        #expect(stdout.first == "buses:", "\(stdout)")
        #expect(stdout.contains { $0.contains(link) }, "\(stdout)")
        #expect(!stdout.contains { $0.contains("address \(from) (") || $0.contains("found") }, "progress on stdout")
        let total = to - from + 1
        #expect(stderr.contains { $0.hasPrefix("address \(to) (\(total)/\(total)), 3 found") }, "\(stderr)")
        #expect(stderr.contains { $0.contains("about") && $0.contains("s left") }, "\(stderr)")
        for serial in ["13070001", "13070002", "13070003"] {
            #expect(stdout.contains { $0.contains(serial) }, "\(serial) in \(stdout)")
            // One style of suggested name and entry on every protocol (M-Bus once said `name: pro380_<serial>`).
            #expect(stdout.contains { $0.hasPrefix("      - {name: meter-\(serial), ") }, "\(stdout)")
            #expect(stderr.contains { $0.hasPrefix("found: ") && $0.contains(serial) }, "\(serial) in \(stderr)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString).yaml")
        try stdout.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try ChildProcess(CLITests.binary, ["check-config", file.path])
        #expect(await check.waitForExit() == 0, "\(check.lines)")
        #expect(check.lines.contains { $0.contains("ok: 1 bus(es), 3 meter(s)") }, "\(check.lines)")
    }

    @Test func modbusRTUOnAPseudoTerminal() async throws {
        try await withSimulator(endpoint: .pseudoTerminal) { simulator in
            try await expectConfigBlock(
                ["--modbus-rtu", simulator.endpoint, "--timeout", "150ms"],
                link: "modbus_rtu: {device: \(simulator.endpoint), baud: 9600, parity: even, stop_bits: 1}",
                from: 1,
                to: 5
            )
        }
    }

    @Test func modbusTCP() async throws {
        try await withSimulator { simulator in
            try await expectConfigBlock(
                ["--modbus-tcp", simulator.endpoint],
                link: "modbus_tcp: {host: 127.0.0.1, port: \(simulator.port!)}",
                from: 1,
                to: 5
            )
        }
    }

    @Test func modbusRTUOverTCP() async throws {
        try await withSimulator(endpoint: .rtuOverTCP(host: "127.0.0.1", port: 0)) { simulator in
            try await expectConfigBlock(
                ["--modbus-rtu-over-tcp", simulator.endpoint],
                link: "modbus_rtu_over_tcp: {host: 127.0.0.1, port: \(simulator.port!)}",
                from: 1,
                to: 4
            )
        }
    }

    /// Issue 11: `scan --mbus-serial` crashed (logging bootstrapped a second time: illegal instruction).
    @Test func mbusSerial() async throws {
        try await withSimulator(mbus: .pseudoTerminal) { simulator in
            let device = try #require(simulator.mbus?.endpoint)
            try await expectConfigBlock(
                ["--mbus-serial", device, "--no-secondary", "--timeout", "300ms"],
                link: "mbus_serial: {device: \(device), baud: 2400}",
                from: 0,
                to: 4
            )
        }
    }

    @Test func mbusTCPWithTheSecondarySearch() async throws {
        // One meter: the wildcard selection finds it without collisions (each colliding digit costs ten probes).
        try await withSimulator(meters: 1, mbus: .tcp(host: "127.0.0.1", port: 0)) { simulator in
            let endpoint = try #require(simulator.mbus?.endpoint)
            let (status, stdout, stderr) = try await scan([
                "--mbus-tcp", endpoint, "--from", "2", "--to", "3", "--timeout", "300ms",
            ])
            #expect(status == 0, "\(stderr)")
            #expect(stderr.contains { $0.hasPrefix("searching secondary addresses") }, "\(stderr)")
            // Its primary address 1 is outside the scanned range: the secondary search finds it.
            #expect(
                stdout.contains { $0.hasPrefix("      - {name: meter-13070001, secondary_address: \"13070001\"}") },
                "\(stdout)"
            )
            #expect(stderr.contains { $0 == "found: secondary address 13070001" }, "\(stderr)")
        }
    }

    @Test func jsonCommissioningReport() async throws {
        try await withSimulator(endpoint: .pseudoTerminal, mbus: .tcp(host: "127.0.0.1", port: 0)) { simulator in
            let modbus = try await scan(["--modbus-rtu", simulator.endpoint, "--from", "1", "--to", "3", "--json"])
            #expect(modbus.status == 0, "\(modbus.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(modbus.stdout.joined().utf8)) as? [String: Any]
            let bus = try #require(report?["bus"] as? [String: Any])
            #expect(bus["kind"] as? String == "modbus_rtu" && bus["baud"] as? Int == 9600)
            let meters = try #require(report?["meters"] as? [[String: Any]])
            #expect(meters.map { $0["address"] as? Int } == [1, 2, 3])
            #expect(meters.map { $0["serial"] as? String } == ["13070001", "13070002", "13070003"])
            for meter in meters {
                #expect(meter["firmware"] is Double, "\(meter)")
                #expect(meter["baud"] as? Int == 9600 && meter["parity"] as? String == "even", "\(meter)")
                #expect([1, 4, 5, 6, 9, 10, 11].contains(meter["combination_code"] as? Int ?? 0), "\(meter)")
                #expect([1, 2].contains(meter["tariff"] as? Int ?? 0), "\(meter)")
            }

            let mbusEndpoint = try #require(simulator.mbus?.endpoint)
            let mbus = try await scan([
                "--mbus-tcp", mbusEndpoint, "--from", "1", "--to", "2", "--no-secondary", "--json",
            ])
            #expect(mbus.status == 0, "\(mbus.stderr)")
            let mbusReport = try JSONSerialization.jsonObject(with: Data(mbus.stdout.joined().utf8)) as? [String: Any]
            let mbusMeters = try #require(mbusReport?["meters"] as? [[String: Any]])
            #expect(mbusMeters.map { $0["serial"] as? String } == ["13070001", "13070002"])
            // M-Bus carries neither the combination code nor the tariff: null, not a guess.
            #expect(mbusMeters.allSatisfy { $0["tariff"] is NSNull && $0["combination_code"] is NSNull })
        }
    }

    @Test func anEmptyBusSaysWhatToCheck() async throws {
        try await withSimulator { simulator in
            let (status, stdout, stderr) = try await scan([
                "--modbus-tcp", simulator.endpoint, "--from", "10", "--to", "12",
            ])
            #expect(status == 1)
            #expect(stdout.isEmpty, "\(stdout)")
            #expect(stderr.contains { $0.hasPrefix("no meter answered: check wiring") }, "\(stderr)")
        }
    }
}
