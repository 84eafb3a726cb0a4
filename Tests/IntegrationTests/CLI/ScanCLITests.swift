import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// `pro380-mqtt scan` run as a user would, against the simulator on every kind of bus: the built binary, stdout
/// and stderr read apart.
@Suite(.serialized) struct ScanCLITests {
    /// Serves `meters` simulated meters (Modbus on `endpoint`, optionally also M-Bus) while `body` runs.
    func withSimulator(
        meters: Int = 2,
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

    /// The crash of issue 11: `scan --mbus-serial` bootstrapped logging a second time (illegal instruction).
    @Test func mbusSerialScanFindsTheMeters() async throws {
        try await withSimulator(mbus: .pseudoTerminal) { simulator in
            let device = try #require(simulator.mbus?.endpoint)
            let (status, stdout, stderr) = try await scan([
                "--mbus-serial", device, "--from", "0", "--to", "3", "--no-secondary", "--timeout", "300ms",
            ])
            #expect(status == 0, "stdout: \(stdout)\nstderr: \(stderr)")
            let output = stdout.joined(separator: "\n")
            #expect(output.contains("mbus_serial: {device: \(device), baud: 2400}"), "\(output)")
            #expect(output.contains("address: 1"), "\(output)")
            #expect(output.contains("address: 2"), "\(output)")
        }
    }
}
