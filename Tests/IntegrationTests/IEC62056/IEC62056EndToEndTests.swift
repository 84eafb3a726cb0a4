import Bridge
import Foundation
import Logging
import TestSupport
import Testing

/// The daemon (`BridgeService`, what `pro380-mqtt run` runs) reading an optical readout this project did not
/// produce (`Tests/Peers/iec_meter.py` on a pseudo-terminal) and publishing to a real mosquitto.
///
/// Readings and diagnostics are retained, so `mosquitto_sub` (an independent client) is started after the bridge
/// and collects them by count; a reading published from a bad readout would be among them.
@Suite(.enabled(if: TestEnvironment.hasPythonPeers, "needs the test-peer venv: scripts/setup.sh --with-test-peers"))
struct IEC62056EndToEndTests {
    typealias F = IEC62056Fixtures

    struct Message: Sendable {
        var retained: Bool
        var topic: String
        var payload: String
    }

    static func configuration(device: String, brokerPort: Int) -> BridgeConfiguration {
        var mqtt = MQTTSettings()
        mqtt.port = brokerPort
        mqtt.clientID = "iec-e2e"
        return BridgeConfiguration(
            mqtt: mqtt, buses: [F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false))],
            diagnosticsInterval: .seconds(1))
    }

    /// Starts the peer meter (`arguments` after `pty`), a broker and the bridge; runs `mosquitto_sub` on `topics`
    /// until it has `count` messages (or `timeout` seconds passed); stops everything.
    static func bridgeMessages(meterArguments: [String], topics: [String], count: Int, timeout: Int) async throws
        -> [Message]
    {
        let broker = try await Broker()
        defer { broker.stop() }
        let (meter, device) = try await IEC62056PythonMeterTests.startMeter(["pty"] + meterArguments)
        defer { meter.send(SIGKILL) }
        let service = BridgeService(
            configuration: configuration(device: device, brokerPort: broker.port), logger: Logger(label: "bridge"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            defer { group.cancelAll() }
            var arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-C", "\(count)", "-W", "\(timeout)"]
            arguments += ["-F", "%r %t %p"] + topics.flatMap { ["-t", $0] }
            let subscriber = try ChildProcess("/usr/bin/mosquitto_sub", arguments)
            _ = await subscriber.waitForExit()
            return subscriber.lines.compactMap(Self.parse)
        }
    }

    /// A mosquitto on a free loopback port, stopped with SIGKILL.
    ///
    /// Not `MosquittoBroker`: once an MQTT client has run in the test process, children it spawns start with
    /// SIGTERM blocked (the spawning thread's mask, SigBlk 0x4a03, survives exec), so that helper's SIGTERM stop
    /// waits forever.
    final class Broker: Sendable {
        let port = TestEnvironment.freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iec-e2e-\(UUID().uuidString)")
        let process: ChildProcess

        init() async throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let config = directory.appendingPathComponent("mosquitto.conf")
            try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n"
                .write(to: config, atomically: true, encoding: .utf8)
            process = try ChildProcess("/usr/sbin/mosquitto", ["-c", config.path])
            let deadline = ContinuousClock.now + .seconds(10)
            while !MosquittoBroker.acceptsConnections(port: port) {
                guard process.exitStatus == nil, ContinuousClock.now < deadline else {
                    stop()
                    throw NotListening(output: process.lines)
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }

        struct NotListening: Error {
            var output: [String]
        }

        func stop() {
            process.send(SIGKILL)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// `1 topic payload` (retain flag, topic, payload) as `mosquitto_sub -F "%r %t %p"` prints it.
    static func parse(_ line: String) -> Message? {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, parts[0] == "0" || parts[0] == "1" else { return nil }
        return Message(retained: parts[0] == "1", topic: String(parts[1]), payload: String(parts[2]))
    }

    @Test func publishesMappedKeysAndUnknownOBISLines() async throws {
        let topics = [
            "pro380/m1/voltage_l1", "pro380/m1/active_power_total", "pro380/m1/obis_96_1_3", "pro380/m1/serial_number",
        ]
        let messages = try await Self.bridgeMessages(meterArguments: [], topics: topics, count: 4, timeout: 15)

        let payloads = Dictionary(messages.map { ($0.topic, $0.payload) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(payloads.keys) == Set(topics))
        #expect(payloads["pro380/m1/voltage_l1"]?.hasPrefix("{\"value\": 230.1, \"unit\": \"V\"") == true)
        #expect(payloads["pro380/m1/active_power_total"]?.hasPrefix("{\"value\": 1234, \"unit\": \"W\"") == true)
        #expect(payloads["pro380/m1/obis_96_1_3"]?.hasPrefix("{\"value\": 4711, \"unit\": null") == true)
        #expect(payloads["pro380/m1/serial_number"]?.hasPrefix("{\"value\": \"12345678\"") == true)
    }

    @Test func aBadBCCPublishesNoReadingAndCountsAProtocolError() async throws {
        let messages = try await Self.bridgeMessages(
            meterArguments: ["--bad-bcc"], topics: ["pro380/m1/#"], count: 3, timeout: 8)

        #expect(messages.count == 3)
        #expect(messages.allSatisfy { $0.topic == "pro380/m1/diagnostics" || $0.topic == "pro380/m1/availability" })
        #expect(messages.contains { $0.payload.contains("\"protocol_errors\": 1") })
    }
}
