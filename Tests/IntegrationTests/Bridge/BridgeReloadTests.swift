import Bridge
import Foundation
import Logging
import MQTT
import Simulator
import TestSupport
import Testing

/// Issue 11, part 2: a reload (what SIGHUP runs) against the simulator and a real broker, in process, through the
/// same entry point the signal handler calls (`BridgeService.reload`) with the same loader (`load(path:)`).
@Suite(.serialized)
struct BridgeReloadTests {
    /// A config file on disk for the harness's broker: one Modbus TCP bus `gateway` with `meters`.
    static func write(
        _ file: URL,
        harness: BridgeHarness,
        port: Int,
        meters: [(String, Int)],
        base: String? = nil
    ) throws {
        let lines = meters.map { "      - {name: \($0.0), address: \($0.1), interval: 300ms}" }
        try """
        mqtt: {host: 127.0.0.1, port: \(harness.broker.port), client_id: \(harness.clientID), base_topic: \(base ?? harness.base)}
        diagnostics_interval: 200ms
        homeassistant: {enabled: false}
        buses:
          - name: gateway
            modbus_tcp: {host: 127.0.0.1, port: \(port)}
            timeout: 400ms
            meters:
        \(lines.joined(separator: "\n"))
        """.write(to: file, atomically: true, encoding: .utf8)
    }

    /// `transport_opens` of bus `gateway` in the bridge's last diagnostics, and how many diagnostics arrived.
    static func transportOpens(_ harness: BridgeHarness) -> (opens: Int, reports: Int)? {
        let reports = harness.log.payloads("\(harness.base)/bridge/\(harness.clientID)/diagnostics")
        guard let last = reports.last,
            let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
            let buses = object["buses"] as? [String: Any], let bus = buses["gateway"] as? [String: Any],
            let opens = bus["transport_opens"] as? Int
        else { return nil }
        return (opens, reports.count)
    }

    /// Meter `b` removed, `c` added, `a` unchanged: `b` goes `offline` (retained), `c` comes online and publishes,
    /// `a` keeps publishing on the same transport; a file that does not check and a changed base topic are refused
    /// and polling goes on; the service manager hears RELOADING=1 (with MONOTONIC_USEC) then READY=1 each time.
    @Test func addedRemovedAndUnchangedMetersAndRefusals() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(
                SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 3))
            )
            let port = simulator.service.port!
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml")
            defer { try? FileManager.default.removeItem(at: file) }
            try Self.write(file, harness: harness, port: port, meters: [("a", 1), ("b", 2)])
            let listener = try NotifySocketListener()
            defer { listener.stop() }
            let capture = LogCapture()
            let bridge = harness.startBridge(
                try BridgeConfiguration.load(path: file.path),
                logger: capture.logger(level: .info),
                environment: ["NOTIFY_SOCKET": listener.address]
            )
            let load = { try BridgeConfiguration.load(path: file.path) }
            for meter in ["a", "b"] {
                await eventually("\(meter) online") {
                    harness.log.last(harness.topic(meter, "availability")) == "online"
                }
            }
            await eventually("READY=1") { listener.assignments.contains("READY=1") }
            let opensBefore = try #require(await Self.waitForDiagnostics(harness)).opens

            // b removed, c added, a unchanged.
            try Self.write(file, harness: harness, port: port, meters: [("a", 1), ("c", 3)])
            let outcome = await bridge.reload(load)
            guard case .applied(let change) = outcome else {
                Issue.record("not applied: \(outcome)")
                return
            }
            #expect(change.meters == .init(added: ["c"], removed: ["b"], unchanged: ["a"]))
            #expect(change.buses == .init(unchanged: ["gateway"]))
            let aBefore = harness.log.on(harness.topic("a", "voltage_l1")).count
            await eventually("c online") { harness.log.last(harness.topic("c", "availability")) == "online" }
            await eventually("c publishes") { harness.log.last(harness.topic("c", "serial_number")) != nil }
            await eventually("a keeps publishing") {
                harness.log.on(harness.topic("a", "voltage_l1")).count >= aBefore + 3
            }
            await eventually("b offline") { harness.log.last(harness.topic("b", "availability")) == "offline" }
            // b's three command filters (`b/+/set`, `b/+/get`, `b/get`) are unsubscribed.
            await eventually("b's command topics unsubscribed") {
                capture.messages(atLeast: .info).contains {
                    $0.contains("stopped listening for commands on 3 topic filters")
                }
            }
            let retained = try await MessageLog(
                port: harness.broker.port,
                filters: [harness.topic("b", "availability")]
            )
            await eventually("b's retained availability") { retained.all.last?.message.retain == true }
            #expect(retained.all.last?.payload == "offline")
            await retained.shutdown()
            // b is no longer polled: nothing for b after its offline.
            let bCount = harness.log.on(harness.topic("b", "voltage_l1")).count
            let reports = try #require(Self.transportOpens(harness)).reports
            await eventually("two more diagnostics") { (Self.transportOpens(harness)?.reports ?? 0) >= reports + 2 }
            #expect(Self.transportOpens(harness)?.opens == opensBefore, "a's transport was reopened")
            #expect(harness.log.on(harness.topic("b", "voltage_l1")).count == bCount)

            // A file that does not check: refused, errors logged with file, line and key; polling goes on.
            try "mqtt: {host: 127.0.0.1}\nbuses:\n  - name: gateway\n    modbus_tcp: {host: 127.0.0.1, prot: 1}\n"
                .write(to: file, atomically: true, encoding: .utf8)
            let invalid = await bridge.reload(load)
            guard case .invalid(let errors) = invalid else {
                Issue.record("not refused: \(invalid)")
                return
            }
            #expect(errors.errors.contains { $0.line == 4 && $0.key.hasSuffix("prot") })
            let logged = capture.entries.filter { $0.level == .error }
            #expect(
                logged.contains { $0.message.contains("\(file.path):4:") && $0.message.contains("prot") },
                "\(logged)"
            )
            #expect(
                logged.contains {
                    $0.message.contains("config not reloaded") && $0.message.contains("running config stays")
                }
            )
            let cBefore = harness.log.on(harness.topic("c", "voltage_l1")).count
            await eventually("c keeps publishing") {
                harness.log.on(harness.topic("c", "voltage_l1")).count >= cBefore + 3
            }

            // A setting only a restart applies: refused, said so.
            try Self.write(file, harness: harness, port: port, meters: [("a", 1)], base: "elsewhere")
            #expect(await bridge.reload(load) == .refused(restart: ["mqtt.base_topic"]))
            #expect(
                capture.messages(atLeast: .error).contains { $0.contains("mqtt.base_topic") && $0.contains("restart") }
            )
            #expect(harness.log.last(harness.topic("c", "availability")) == "online")

            // Three reloads: RELOADING=1 with MONOTONIC_USEC, then READY=1, each time.
            await eventually("three READY=1 after reloads") {
                listener.assignments.filter { $0 == "READY=1" }.count >= 4
            }
            let sequence = listener.assignments.filter {
                $0 == "READY=1" || $0 == "RELOADING=1" || $0.hasPrefix("MONOTONIC_USEC=")
            }
            #expect(sequence.count == 10, "\(sequence)")
            for reload in 0..<3 {
                let at = sequence.firstIndex(of: "READY=1")! + 1 + reload * 3
                #expect(sequence[at] == "RELOADING=1", "\(sequence)")
                #expect(sequence[at + 1].wholeMatch(of: /MONOTONIC_USEC=[0-9]+/) != nil, "\(sequence)")
                #expect(sequence[at + 2] == "READY=1", "\(sequence)")
            }
            #expect(listener.assignments.contains { $0.hasPrefix("STATUS=") && $0.contains("config reload refused") })
        }
    }

    /// A changed bus restarts on its new transport (the old one's endpoint can go away) and its meter keeps
    /// publishing without going offline; a removed bus's meters go offline.
    @Test func changedAndRemovedBuses() async throws {
        try await BridgeHarness.run { harness in
            let first = try harness.simulator(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 2)))
            let second = try harness.simulator(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 2)))
            var configuration = harness.configuration(
                buses: [
                    testBus("one", link: first.tcpLink, meters: [("x", 1)]),
                    testBus("two", link: first.tcpLink, meters: [("y", 2)]),
                ],
                diagnosticsInterval: .milliseconds(200)
            )
            // Two buses may not share an endpoint in a file; in process, two connections to one simulator are fine.
            let bridge = harness.startBridge(configuration)
            for meter in ["x", "y"] {
                await eventually("\(meter) online") {
                    harness.log.last(harness.topic(meter, "availability")) == "online"
                }
            }
            configuration.buses = [testBus("one", link: second.tcpLink, meters: [("x", 1)])]
            let outcome = await bridge.reload { configuration }
            guard case .applied(let change) = outcome else {
                Issue.record("not applied: \(outcome)")
                return
            }
            #expect(change.buses == .init(removed: ["two"], changed: ["one"]))
            #expect(change.meters == .init(removed: ["y"], changed: ["x"]))
            await eventually("y offline") { harness.log.last(harness.topic("y", "availability")) == "offline" }
            // x now reads the second simulator: the first one stops.
            await first.stop()
            let xBefore = harness.log.on(harness.topic("x", "voltage_l1")).count
            await eventually("x publishes from the new bus") {
                harness.log.on(harness.topic("x", "voltage_l1")).count >= xBefore + 3
            }
            #expect(!harness.log.payloads(harness.topic("x", "availability")).contains("offline"))
        }
    }

    static func waitForDiagnostics(_ harness: BridgeHarness) async -> (opens: Int, reports: Int)? {
        await eventually("bus diagnostics with an open transport") { (transportOpens(harness)?.opens ?? 0) >= 1 }
        return transportOpens(harness)
    }
}
