import Bridge
import Foundation
import MQTT
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// Issue 3 end to end: a command on MQTT -> validation -> the exact Modbus frame -> the simulated meter -> read-back
/// -> the published value and the answer.
@Suite(.serialized)
struct BridgeCommandTests {
    static let allWritable = RegisterTable.pro380.writable.filter { $0.write?.modbus != nil }.map(\.key)

    /// Starts a simulator behind a wire tap and the bridge with one meter `main` allowing `allowCommands`.
    func start(
        _ harness: BridgeHarness,
        allowCommands: [String] = ["tariff"],
        interval: Duration = .milliseconds(500),
        meters: [(String, Int)] = [("main", 1)]
    ) throws
        -> (RunningSimulator, ModbusWireTap)
    {
        let simulator = try harness.simulator(
            SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: meters.count))
        )
        let tap = try harness.tap(simulator.service.port!)
        let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
        harness.startBridge(
            harness.configuration(buses: [
                testBus("gateway", link: link, meters: meters, interval: interval, allowCommands: allowCommands)
            ])
        )
        return (simulator, tap)
    }

    @Test func tariffSwitchFromMQTT() async throws {
        try await BridgeHarness.run { harness in
            let (simulator, tap) = try start(harness)
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }

            let switched = try await harness.command("main", "tariff", "2")
            #expect(switched.ok, "\(switched.text)")
            #expect(switched.value as? Int == 2)
            #expect(tap.writes.map(\.pdu) == [pdu("06 6048 0002")])
            #expect(try simulator.meter().settings.activeTariff == 2)
            await eventually("tariff 2 published") {
                harness.log.last(harness.topic("main", "tariff")).flatMap(PublishedReading.init)?.valueText == "2"
            }

            let unsaved = try await harness.command("main", "tariff", #"{"value": 1, "id": "abc", "persist": false}"#)
            #expect(unsaved.ok, "\(unsaved.text)")
            #expect(unsaved.id == "abc")
            #expect(unsaved.value as? Int == 1)
            #expect(tap.writes.last?.pdu == pdu("06 6048 000B"))
            let settings = try simulator.meter().settings
            #expect(settings.unsavedTariff == 1 && settings.tariff == 2)
            await eventually("tariff 1 published") {
                harness.log.last(harness.topic("main", "tariff")).flatMap(PublishedReading.init)?.valueText == "1"
            }
        }
    }

    /// `<base>/<meter>/<key>/get` reads one register now, `<base>/<meter>/get` the whole meter; both answer.
    @Test func getReadsNow() async throws {
        try await BridgeHarness.run { harness in
            let (_, tap) = try start(harness, interval: .seconds(30))
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }
            let readsBefore = tap.requests.count
            try await harness.log.publish("pro380/main/tariff/get", "")
            await eventually("the get answer") { !harness.log.on("pro380/main/tariff/get/result").isEmpty }
            #expect(CommandReply(harness.log.on("pro380/main/tariff/get/result")[0].payload)?.ok == true)
            #expect(tap.requests.dropFirst(readsBefore).map(\.description) == ["unit 1 03 60 48 00 01"])
            try await harness.log.publish("pro380/main/get", "")
            await eventually("the meter get answer") { !harness.log.on("pro380/main/get/result").isEmpty }
            let whole = try #require(CommandReply(harness.log.on("pro380/main/get/result")[0].payload))
            #expect(whole.ok && whole.value as? Int == pro380ModbusKeys.count, "\(whole.text)")
        }
    }

    /// Every refused payload is answered with an error saying what is wrong, and no write reaches the meter.
    @Test func refusedCommandsNeverReachTheMeter() async throws {
        try await BridgeHarness.run { harness in
            let cases: [(key: String, payload: String, error: String)] = [
                ("voltage_l9", "2", "unknown key"),
                ("voltage_l1", "230", "read-only"),
                ("tariff", "3", "tariff must be"),
                ("tariff", "T3", "tariff must be"),
                ("tariff", #"{"value": 2"#, "malformed JSON"),
                ("tariff", #"{"value": true}"#, "tariff must be"),
                ("tariff", #"{"value": [2]}"#, "tariff must be"),
                ("tariff", #"{"value": 2, "colour": "red"}"#, "unknown field"),
                ("tariff", #"{"value": 2, "id": "\#(String(repeating: "x", count: 2000))"}"#, "too large"),
                ("combination_code", "10", "allow_commands"),
                ("tariff", #"{"value": 2, "time": "2020-01-01T00:00:00Z"}"#, "older than"),
                ("tariff", "", "empty"),
            ]
            // A retained command waiting on the broker is replayed when the bridge subscribes: refused.
            try await harness.log.publish("pro380/main/tariff/set", "2", retain: true)
            let (simulator, tap) = try start(harness)
            let resultTopic = "pro380/main/tariff/set/result"
            await eventually("the retained command answered") { !harness.log.on(resultTopic).isEmpty }
            let retained = try #require(CommandReply(harness.log.on(resultTopic)[0].payload))
            #expect(!retained.ok && retained.error.contains("retained"), "\(retained.text)")
            try await harness.log.publish("pro380/main/tariff/set", "", retain: true)
            // The empty retained message that clears it is not a command: no answer (the next one is the first case's).
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }

            for (key, payload, error) in cases {
                let answer = try await harness.command("main", key, payload)
                #expect(!answer.ok, "\(key) \(payload.prefix(40)) was accepted")
                #expect(answer.error.contains(error), "\(key) \(payload.prefix(40)): \(answer.error)")
            }
            // A retained command published while the bridge listens: MQTT 5's "retain as published" keeps the flag.
            let answered = harness.log.on(resultTopic).count
            try await harness.log.publish("pro380/main/tariff/set", "2", retain: true)
            await eventually("the live retained command answered") { harness.log.on(resultTopic).count > answered }
            let live = try #require(CommandReply(harness.log.on(resultTopic)[answered].payload))
            #expect(!live.ok && live.error.contains("retained"), "\(live.text)")
            try await harness.log.publish("pro380/main/tariff/set", "", retain: true)
            #expect(tap.writes.isEmpty, "frames reached the meter: \(tap.writes)")
            #expect(try simulator.meter().settings.activeTariff == 1)
        }
    }

    /// MQTT 5 request/response: the answer goes to the request's response topic, with its correlation data.
    @Test func mqtt5ResponseTopicAndCorrelationData() async throws {
        try await BridgeHarness.run(extraFilters: ["client/#"]) { harness in
            _ = try start(harness)
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }
            let properties = PublishProperties(responseTopic: "client/answers/7", correlationData: [0xCA, 0xFE, 0x07])
            try await harness.log.publish("pro380/main/tariff/set", "T2", properties: properties)
            await eventually("the answer") { !harness.log.on("client/answers/7").isEmpty }
            let answer = try #require(harness.log.on("client/answers/7").first)
            #expect(answer.message.correlationData == [0xCA, 0xFE, 0x07])
            #expect(CommandReply(answer.payload)?.ok == true, "\(answer.payload)")
            #expect(harness.log.on("pro380/main/tariff/set/result").isEmpty)
        }
    }

    /// A command id seen again (a QoS 1 redelivery) is answered twice but written once, also while it runs.
    @Test func duplicateIDIsExecutedOnce() async throws {
        try await BridgeHarness.run { harness in
            let (_, tap) = try start(harness)
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }
            let payload = #"{"value": 2, "id": "dup-1"}"#
            try await harness.log.publish("pro380/main/tariff/set", payload)
            try await harness.log.publish("pro380/main/tariff/set", payload)
            await eventually("two answers") { harness.log.on("pro380/main/tariff/set/result").count >= 2 }
            let third = try await harness.command("main", "tariff", payload)
            let answers = harness.log.on("pro380/main/tariff/set/result").compactMap { CommandReply($0.payload) }
            #expect(answers.count == 3 && answers.allSatisfy { $0.ok && $0.id == "dup-1" }, "\(answers.map(\.text))")
            #expect(third.ok)
            #expect(tap.writes.count == 1, "\(tap.writes)")
            // The same id for another value is refused, not answered with the first command's success.
            let reused = try await harness.command("main", "tariff", #"{"value": 1, "id": "dup-1"}"#)
            #expect(!reused.ok && reused.error.contains("already used"), "\(reused.text)")
            #expect(tap.writes.count == 1, "\(tap.writes)")
        }
    }

    /// Moving a meter onto the address of another configured meter on its bus is refused before the bus.
    @Test func modbusIDOfAnotherMeterIsRefused() async throws {
        try await BridgeHarness.run { harness in
            let (_, tap) = try start(
                harness,
                allowCommands: ["tariff", "modbus_id"],
                meters: [("main", 1), ("kitchen", 2)]
            )
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }
            let answer = try await harness.command("main", "modbus_id", "2")
            #expect(!answer.ok && answer.error.contains("kitchen"), "\(answer.text)")
            #expect(tap.writes.isEmpty, "\(tap.writes)")
        }
    }
}
