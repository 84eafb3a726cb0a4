import Bridge
import Foundation
import Logging
import MQTT
import PRO380
import Simulator
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
            mqtt: mqtt,
            buses: [F.bus(.iec62056Serial(device: device, baudRate: 300, fixedSpeed: false))],
            diagnosticsInterval: .seconds(1)
        )
    }

    /// Starts a broker and the bridge on `device`; runs `mosquitto_sub` on `topics` until it has `count` messages
    /// (or `timeout` seconds passed); stops both.
    static func bridgeMessages(device: String, topics: [String], count: Int, timeout: Int) async throws -> [Message] {
        let broker = try await MosquittoBroker()
        let service = BridgeService(
            configuration: configuration(device: device, brokerPort: broker.port),
            logger: Logger(label: "bridge")
        )
        let result: Result<[Message], any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await service.run() }
            defer { group.cancelAll() }
            do {
                var arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-C", "\(count)", "-W", "\(timeout)"]
                arguments += ["-F", "%r %t %p"] + topics.flatMap { ["-t", $0] }
                let subscriber = try ChildProcess("/usr/bin/mosquitto_sub", arguments)
                _ = await subscriber.waitForExit()
                return .success(subscriber.lines.compactMap(Self.parse))
            } catch {
                return .failure(error)
            }
        }
        await broker.stopAndRemove()
        return try result.get()
    }

    /// `bridgeMessages` with the independent Python meter (`iec_meter.py pty` plus `meterArguments`).
    static func bridgeMessages(
        meterArguments: [String],
        topics: [String],
        count: Int,
        timeout: Int
    ) async throws
        -> [Message]
    {
        let (meter, device) = try await IEC62056PythonMeterTests.startMeter(["pty"] + meterArguments)
        defer { meter.send(SIGKILL) }
        return try await bridgeMessages(device: device, topics: topics, count: count, timeout: timeout)
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
            meterArguments: ["--bad-bcc"],
            topics: ["pro380/m1/#"],
            count: 3,
            timeout: 8
        )

        #expect(messages.count == 3)
        #expect(messages.allSatisfy { $0.topic == "pro380/m1/diagnostics" || $0.topic == "pro380/m1/availability" })
        #expect(messages.contains { $0.payload.contains("\"protocol_errors\": 1") })
    }

    /// Our simulator on a pseudo-terminal, with the speed switch to 9600 baud, through the daemon to the broker.
    @Test func publishesTheSimulatedMetersReadoutFromAPseudoTerminal() async throws {
        let model = try F.model()
        let server = try IEC62056SimulatorServer.pseudoTerminal(
            model: model,
            clock: { F.readoutTime },
            logger: Logger(label: "simulator")
        )
        let device = try #require(server.devicePath)
        let topics = ["pro380/m1/voltage_l2", "pro380/m1/forward_active_energy_t1", "pro380/m1/obis_c_7_0"]
        let messages = try await F.serving(server) {
            try await Self.bridgeMessages(device: device, topics: topics, count: 3, timeout: 15)
        }

        let values = model.values(at: F.readoutTime)
        let payloads = Dictionary(messages.map { ($0.topic, $0.payload) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(payloads.keys) == Set(topics))
        let voltage = try #require(values["voltage_l2"]).jsonFragment
        let energy = try #require(values["forward_active_energy_t1"]).jsonFragment
        #expect(payloads["pro380/m1/voltage_l2"]?.hasPrefix("{\"value\": \(voltage), \"unit\": \"V\"") == true)
        #expect(
            payloads["pro380/m1/forward_active_energy_t1"]?.hasPrefix("{\"value\": \(energy), \"unit\": \"kWh\"")
                == true
        )
    }
}
