import Bridge
import Foundation
import Logging
import MQTT
import Simulator
import TestSupport
import Testing

/// The broker password reaches the bridge from `mqtt.password_file` or `PRO380_MQTT_PASSWORD`, gets it connected
/// to a broker that requires it, and never appears in a log line, at trace level included.
@Suite(.serialized) struct BridgeCredentialsTests {
    enum Source: String, CaseIterable { case file, environment }

    @Test(arguments: Source.allCases)
    func passwordConnectsAndIsNeverLogged(source: Source) async throws {
        let password = "pw-\(UUID().uuidString)"
        let broker = try await MosquittoBroker(access: .passwords(["bridge": password]))
        let simulator = try RunningSimulator(SimulatorConfiguration())
        let folder = broker.directory
        try (password + "\n").write(to: folder.appendingPathComponent("password"), atomically: true, encoding: .utf8)
        let yaml = """
            mqtt: {port: \(broker.port), client_id: credentials, username: bridge\
            \(source == .file ? ", password_file: password" : "")}
            outbox: {path: \(folder.appendingPathComponent("outbox.sqlite").path)}
            buses:
              - name: gateway
                modbus_tcp: {host: 127.0.0.1, port: \(simulator.service.port!)}
                meters: [{name: main, address: 1, interval: 200ms}]
            """
        let configuration = try BridgeConfiguration.parse(
            yaml: yaml,
            file: folder.appendingPathComponent("bridge.yaml").path,
            environment: source == .environment ? ["PRO380_MQTT_PASSWORD": password] : [:]
        )
        #expect(configuration.mqtt.password == password)
        let capture = LogCapture()
        let service = BridgeService(configuration: configuration, logger: capture.logger(level: .trace))
        let task = Task { try await service.run() }
        // The broker refuses anyone without the password: a CONNACK success proves the bridge sent it.
        let connected = await waitUntil(timeout: .seconds(30)) {
            capture.entries.contains { $0.message.contains("connected to the broker") }
        }
        #expect(connected, "the bridge did not connect with the password from the \(source)")
        let polled = await waitUntil(timeout: .seconds(30)) {
            capture.entries.contains { $0.message.contains("meter is online") }
        }
        #expect(polled)
        task.cancel()
        _ = await task.result
        await simulator.stop()
        await broker.stopAndRemove()
        let entries = capture.entries
        #expect(entries.contains { $0.level == .trace }, "nothing was captured at trace level")
        for entry in entries {
            let text = entry.message + " " + entry.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            #expect(!text.contains(password), "password in a \(entry.level) log line: \(entry.message)")
        }
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    func waitUntil(timeout: Duration, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }
}
