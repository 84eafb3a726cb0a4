import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// The simulator served on real sockets and pseudo-terminals, read by pymodbus as an independent client.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs the Python test peers: scripts/setup.sh --with-test-peers"))
struct SimulatorServiceTests {
    static let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Peers/pymodbus_client_read.py").path

    /// Runs pymodbus with `operations` against the service's endpoint and returns its answers.
    func pymodbus(_ service: SimulatorService, _ operations: [[String: Any]]) async throws -> [[String: Any]] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: operations), as: UTF8.self)
        var mode = "tcp"
        if case .rtuOverTCP = service.configuration.endpoint { mode = "rtu-over-tcp" }
        let target = service.port.map { [mode, "127.0.0.1", String($0)] } ?? ["rtu", service.endpoint]
        let peer = try ChildProcess(try #require(TestEnvironment.python), [Self.script] + target + [json])
        let status = await peer.waitForExit()
        let last = try #require(peer.lines.last(where: { $0.hasPrefix("[") }), "pymodbus printed: \(peer.lines)")
        #expect(status == 0, "\(peer.lines)")
        return try #require(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [[String: Any]])
    }

    /// Runs `body` while `service` serves, then stops it and waits until it has saved and closed.
    func serving(_ service: SimulatorService, _ body: () async throws -> Void) async throws {
        let task = Task { try await service.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        try await task.value
    }

    func registers(_ answer: [String: Any]) -> [Int]? { answer["registers"] as? [Int] }
    func exception(_ answer: [String: Any]) -> Int? { answer["exception"] as? Int }

    @Test func modbusTCPServesSeveralMetersToPymodbus() async throws {
        let configuration = SimulatorConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: 0),
            meters: SimulatorConfiguration.meters(count: 2)
        )
        let service = try SimulatorService(configuration: configuration, logger: Logger(label: "test"))
        try await serving(service) {
            let answers = try await pymodbus(
                service,
                [
                    ["unit": 1, "read": [0x4000, 2]],
                    ["unit": 2, "read": [0x4000, 2]],
                    ["unit": 1, "read": [0x5000, 2]],
                    ["unit": 1, "read": [0x500C, 38]],
                    ["unit": 1, "write": [0x400F, 0x000A]],
                    ["unit": 1, "write": [0x4010, 0x0025]],
                    ["unit": 1, "write": [0x6048, 0x0002]],
                    ["unit": 1, "write_multiple": [0x400D, [0x4120, 0x0000]]],
                    ["unit": 1, "write_multiple": [0x6049, [0x0000, 0x0000]]],
                    ["unit": 1, "write": [0x400F, 0x0002]],
                    ["unit": 1, "write": [0x4003, 0x00F8]],
                    ["unit": 1, "write_multiple": [0x6049, [0x3F80, 0x0000]]],
                    ["unit": 1, "write": [0x5002, 0x0001]],
                    ["unit": 1, "read": [0x400D, 4]],
                ]
            )
            #expect(registers(answers[0]) == [0x1307, 0x0001])
            #expect(registers(answers[1]) == [0x1307, 0x0002])
            #expect(exception(answers[2]) == 2)
            #expect(registers(answers[3])?.count == 38)
            for ok in answers[4...8] { #expect(ok["ok"] as? Bool == true, "\(ok)") }
            #expect(answers[9...11].map(exception) == [3, 3, 3])
            #expect(exception(answers[12]) == 2)
            // S0 rate 10.0 (41 20 00 00), combination code 10, LCD cycle time 0x0025.
            #expect(registers(answers[13]) == [0x4120, 0x0000, 0x000A, 0x0025])
        }
        let meter = try #require(service.bus.meter(unit: 1))
        #expect(meter.settings.activeTariff == 2)
        #expect(meter.settings.combinationCode == 10)
    }

    @Test func modbusRTUOnAPseudoTerminal() async throws {
        let service = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .pseudoTerminal),
            logger: Logger(label: "test")
        )
        #expect(service.endpoint.hasPrefix("/dev/"))
        try await serving(service) {
            let answers = try await pymodbus(
                service,
                [
                    ["unit": 1, "read": [0x4000, 2]],
                    ["unit": 1, "read": [0x4015, 1]],
                    ["unit": 1, "write": [0x6048, 12]],
                    ["unit": 1, "read": [0x6048, 1]],
                ]
            )
            #expect(registers(answers[0]) == [0x1307, 0x0042])
            #expect(exception(answers[1]) == 2)
            #expect(registers(answers[3]) == [12])
        }
    }

    @Test func modbusRTUOverTCP() async throws {
        let configuration = SimulatorConfiguration(endpoint: .rtuOverTCP(host: "127.0.0.1", port: 0))
        let service = try SimulatorService(configuration: configuration, logger: Logger(label: "test"))
        try await serving(service) {
            let answers = try await pymodbus(
                service,
                [["unit": 1, "read": [0x4000, 3]], ["unit": 1, "read": [0x500A, 2]]]
            )
            #expect(registers(answers[0]) == [0x1307, 0x0042, 0x0380])
            #expect(exception(answers[1]) == 2)
        }
    }

    @Test func stateFilesSurviveARestartButNotAnUnsavedTariff() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-sim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = SimulatorConfiguration(stateDirectory: folder)
        let first = try SimulatorService(configuration: configuration, logger: Logger(label: "test"))
        try await serving(first) {
            let answers = try await pymodbus(
                first,
                [
                    ["unit": 1, "write": [0x400F, 9]],
                    ["unit": 1, "write": [0x6048, 12]],
                    ["unit": 1, "read": [0x6048, 1]],
                ]
            )
            #expect(registers(answers[2]) == [12])
        }
        let second = try SimulatorService(configuration: configuration, logger: Logger(label: "test"))
        try await serving(second) {
            let answers = try await pymodbus(
                second,
                [
                    ["unit": 1, "read": [0x400F, 1]], ["unit": 1, "read": [0x6048, 1]],
                    ["unit": 1, "read": [0x4016, 1]],
                ]
            )
            #expect(registers(answers[0]) == [9])
            #expect(registers(answers[1]) == [1])
            #expect(registers(answers[2]) == [1], "the restart counts as a power-down")
        }
    }
}
