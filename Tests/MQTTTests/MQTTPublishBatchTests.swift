import Foundation
import MQTT
import TestSupport
import Testing

@Suite("MQTT batch publish against a real mosquitto")
struct MQTTPublishBatchTests {
    @Test(
        "A QoS 0 batch is settled when handed over, a QoS 1 batch once its PUBACKs are in; the subscriber sees all",
        arguments: [MQTTProtocolVersion.v5, .v311]
    )
    func batchReachesSubscriber(version: MQTTProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, protocolVersion: version)) { client in
                let subscriber = try await MQTTTestSubscriber(port: broker.port, topics: ["b/#"], count: 200, qos: 1)
                let zero = (0..<100).map {
                    MQTTMessageDraft(topic: "b/zero/\($0)", payload: "z\($0)", qos: .atMostOnce, retain: $0 % 2 == 0)
                }
                let handedZero = client.publish(batch: zero)
                #expect(!handedZero.awaitsAcknowledgements)
                #expect(handedZero.outcomes == Array(repeating: .delivered, count: 100))

                // Mixed: the QoS 0 half is settled at once, the QoS 1 half awaits one collection.
                let mixed = (0..<100).map {
                    MQTTMessageDraft(
                        topic: "b/mixed/\($0)",
                        payload: "m\($0)",
                        qos: $0 % 2 == 0 ? .atLeastOnce : .atMostOnce
                    )
                }
                let handedMixed = client.publish(batch: mixed)
                #expect(handedMixed.awaitsAcknowledgements)
                #expect(handedMixed.outcomes.enumerated().allSatisfy { ($0.offset % 2 == 0) == ($0.element == nil) })
                let settled = await client.acknowledgements(of: handedMixed)
                #expect(settled == Array(repeating: .delivered, count: 100))

                let received = await subscriber.messages()
                #expect(received.count == 200, "\(subscriber.lines.suffix(20))")
                #expect(Set(received.map(\.topic)) == Set((zero + mixed).map(\.topic)))
                #expect(received.first { $0.topic == "b/mixed/42" }?.payload == "m42")
                #expect(received.first { $0.topic == "b/mixed/42" }?.qos == 1)
            }
        }
    }

    @Test("Acknowledgements that arrive before they are collected are kept for the collector")
    func acknowledgementsBeforeCollection() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port)) { client in
                let drafts = (0..<20).map {
                    MQTTMessageDraft(topic: "early/\($0)", payload: "\($0)", qos: .atLeastOnce)
                }
                let handed = client.publish(batch: drafts)
                // A round trip through the broker on the same connection: every PUBACK of the batch came before.
                try await client.publish(MQTTMessageDraft(topic: "early/marker", payload: "x", qos: .atLeastOnce))
                #expect(await client.acknowledgements(of: handed) == Array(repeating: .delivered, count: 20))
            }
        }
    }

    @Test("Not connected: nothing is handed over; after shutdown a batch is refused as shut down")
    func notConnectedAndShutDown() async throws {
        try await withBroker { broker in
            let client = try MQTTClient(configuration: configuration(port: broker.port), logger: testLogger)
            let drafts = [MQTTMessageDraft(topic: "n/a", payload: "1", qos: .atLeastOnce)]
            let offline = client.publish(batch: drafts)
            #expect(offline.outcomes == [.notConnected])
            #expect(await client.acknowledgements(of: offline) == [.notConnected])
            await client.shutdown()
            #expect(client.publish(batch: drafts).outcomes == [.shutDown])
        }
    }

    @Test("A shutdown settles what still awaits its PUBACK as shut down; cancelling the collector as cancelled")
    func pendingAtShutdownAndCancellation() async throws {
        try await withBroker { broker in
            let client = try MQTTClient(configuration: configuration(port: broker.port), logger: testLogger)
            try await client.connect(timeout: .seconds(5))
            broker.pause()
            let drafts = (0..<5).map { MQTTMessageDraft(topic: "p/\($0)", payload: "\($0)", qos: .atLeastOnce) }
            let cancelled = client.publish(batch: drafts)
            let collector = Task { await client.acknowledgements(of: cancelled) }
            collector.cancel()
            #expect(await collector.value == Array(repeating: .cancelled, count: 5))

            let pending = client.publish(batch: drafts)
            let waiting = Task { await client.acknowledgements(of: pending) }
            await client.shutdown()
            #expect(await waiting.value == Array(repeating: .shutDown, count: 5))
            broker.resume()
        }
    }
}
