import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// The daemon under a service manager: `pro380-mqtt run` with `$NOTIFY_SOCKET` and `$WATCHDOG_USEC` set, as
/// systemd starts a `Type=notify` unit, against a real broker and the simulator; the test holds the socket.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test func readyStatusWatchdogAndStoppingReachTheServiceManager() async throws {
        let rig = try await DaemonRig(
            SimulatorConfiguration(endpoint: .pseudoTerminal, meters: SimulatorConfiguration.meters(count: 2))
        )
        let (broker, simulator, listener, file) = (rig.broker, rig.simulator, rig.listener, rig.file)
        try """
        mqtt: {host: 127.0.0.1, port: \(broker.port), client_id: notify-test}
        buses:
          - name: rtu
            modbus_rtu: {device: \(simulator.endpoint), baud: 9600, parity: even}
            meters:
              - {name: one, address: 1, interval: 1s}
              - {name: two, address: 2, interval: 1s}
        """.write(to: file, atomically: true, encoding: .utf8)
        // A 2 s watchdog: a ping every second.
        let daemon = try ChildProcess(
            CLITests.binary,
            ["run", "--config", file.path],
            environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "2000000"]
        )
        let ready = await listener.wait { $0.contains("READY=1") }
        #expect(ready, "\(listener.messages)\n\(daemon.lines.joined(separator: "\n"))")
        let online = await listener.wait { $0.contains("STATUS=2 of 2 meters online, broker connected") }
        #expect(online, "\(listener.assignments)")
        let pinging = await listener.wait { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        #expect(pinging, "\(listener.assignments)")
        // Nothing but the protocol's assignments, READY=1 once.
        #expect(listener.assignments.allSatisfy { $0.wholeMatch(of: /(READY|WATCHDOG|STOPPING)=1|STATUS=.+/) != nil })
        #expect(listener.assignments.filter { $0 == "READY=1" }.count == 1)

        daemon.send(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.lines)")
        #expect(listener.assignments.contains("STOPPING=1"), "\(listener.assignments)")
        #expect(!daemon.lines.contains { $0.contains("Cancellation") }, "\(daemon.lines)")
        await rig.finish()
    }

    /// `systemctl reload`: a real SIGHUP to the built daemon reloads its config file: a meter added comes online,
    /// a meter removed goes offline (retained), and the manager hears RELOADING=1 (with MONOTONIC_USEC) and READY=1.
    @Test func sighupReloadsTheConfigFile() async throws {
        let rig = try await DaemonRig(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 2)))
        let (broker, simulator, listener, file) = (rig.broker, rig.simulator, rig.listener, rig.file)
        func write(_ meters: [(String, Int)]) throws {
            try """
            mqtt: {host: 127.0.0.1, port: \(broker.port), client_id: hup-test}
            buses:
              - name: gateway
                modbus_tcp: {host: 127.0.0.1, port: \(simulator.port!)}
                meters:
            \(meters.map { "      - {name: \($0.0), address: \($0.1), interval: 1s}" }.joined(separator: "\n"))
            """.write(to: file, atomically: true, encoding: .utf8)
        }
        /// The retained payload of `topic` once it is `payload`.
        func retained(_ topic: String, becomes payload: String) async throws -> Bool {
            for _ in 0..<20 {
                let subscriber = try await MQTTTestSubscriber(port: broker.port, topics: [topic], count: 1, timeout: 2)
                if let message = await subscriber.messages().first, message.retain, message.payload == payload {
                    return true
                }
            }
            return false
        }
        try write([("one", 1)])
        let daemon = try ChildProcess(
            CLITests.binary,
            ["run", "--config", file.path],
            environment: ["NOTIFY_SOCKET": listener.address]
        )
        #expect(await listener.wait { $0.contains("READY=1") }, "\(daemon.lines)")

        try write([("one", 1), ("two", 2)])
        daemon.send(SIGHUP)
        #expect(await listener.wait { $0.filter { $0 == "READY=1" }.count == 2 }, "\(listener.assignments)")
        let reload = listener.assignments.drop { $0 != "RELOADING=1" }
        #expect(reload.dropFirst().first?.hasPrefix("MONOTONIC_USEC=") == true, "\(listener.assignments)")
        #expect(reload.contains("READY=1"))
        #expect(try await retained("pro380/two/availability", becomes: "online"), "\(daemon.lines)")
        #expect(daemon.exitStatus == nil, "SIGHUP ended the daemon: \(daemon.lines)")

        try write([("two", 2)])
        daemon.send(SIGHUP)
        #expect(await listener.wait { $0.filter { $0 == "READY=1" }.count == 3 }, "\(listener.assignments)")
        #expect(try await retained("pro380/one/availability", becomes: "offline"), "\(daemon.lines)")
        #expect(
            daemon.lines.contains { $0.contains("config reloaded") && $0.contains("1 removed (one)") },
            "\(daemon.lines)"
        )

        daemon.send(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.lines)")
        await rig.finish()
    }
}

/// What a daemon test runs beside the daemon: a broker, the simulator, the service manager's socket and a config
/// file path; `finish()` stops and removes them (the socket and file also when the rig is dropped early).
final class DaemonRig: Sendable {
    let broker: MosquittoBroker
    let simulator: SimulatorService
    let listener: NotifySocketListener
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString).yaml")
    private let serving: Task<Void, any Error>

    init(_ configuration: SimulatorConfiguration) async throws {
        broker = try await MosquittoBroker()
        let simulator = try SimulatorService(
            configuration: configuration,
            logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        self.simulator = simulator
        serving = Task { try await simulator.run() }
        listener = try NotifySocketListener()
    }

    deinit {
        try? FileManager.default.removeItem(at: file)
        listener.stop()
        serving.cancel()
    }

    func finish() async {
        serving.cancel()
        _ = await serving.result
        await broker.stopAndRemove()
    }
}
