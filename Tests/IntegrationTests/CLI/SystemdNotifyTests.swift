import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// The daemon under a service manager: `pro380-mqtt run` with `$NOTIFY_SOCKET` and `$WATCHDOG_USEC` set, as
/// systemd starts a `Type=notify` unit, against a real broker and the simulator; the test holds the socket.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test func readyStatusWatchdogAndStoppingReachTheServiceManager() async throws {
        let broker = try await MosquittoBroker()
        let simulator = try SimulatorService(
            configuration: SimulatorConfiguration(
                endpoint: .pseudoTerminal,
                meters: SimulatorConfiguration.meters(count: 2)
            ),
            logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let serving = Task { try await simulator.run() }
        let listener = try NotifySocketListener()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).yaml")
        try """
        mqtt: {host: 127.0.0.1, port: \(broker.port), client_id: notify-test}
        buses:
          - name: rtu
            modbus_rtu: {device: \(simulator.endpoint), baud: 9600, parity: even}
            meters:
              - {name: one, address: 1, interval: 1s}
              - {name: two, address: 2, interval: 1s}
        """.write(to: file, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: file)
            listener.stop()
            serving.cancel()
        }
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
        serving.cancel()
        _ = await serving.result
        await broker.stopAndRemove()
    }
}
