import Foundation
import MQTT
import TestSupport
import Testing

@Suite("MQTT publish and subscribe against a real mosquitto")
struct MQTTPublishSubscribeTests {
    @Test(
        "QoS 0/1 retained and QoS 2 live publications reach mosquitto_sub",
        arguments: [MQTTProtocolVersion.v5, .v311]
    )
    func publishReachesIndependentSubscriber(version: MQTTProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, protocolVersion: version)) { client in
                #expect(client.state == .connected)
                try await client.publish(.init(topic: "t/zero", payload: "0", qos: .atMostOnce, retain: true))
                try await client.publish(.init(topic: "t/one", payload: "one", qos: .atLeastOnce, retain: true))
                let subscriber = try await MQTTTestSubscriber(port: broker.port, topics: ["t/#"], count: 3, qos: 2)
                try await client.publish(.init(topic: "t/two", payload: [0x32, 0x20, 0x32], qos: .exactlyOnce))
                let received = await subscriber.messages()
                #expect(received.count == 3, "\(received)")
                #expect(Set(received.filter(\.retain).map(\.topic)) == ["t/zero", "t/one"])
                #expect(received.first { $0.topic == "t/one" }?.payload == "one")
                #expect(received.first { $0.topic == "t/one" }?.qos == 1)
                #expect(received.last == .init(topic: "t/two", payload: "2 2", qos: 2, retain: false))
            }
        }
    }

    @Test(
        "messages() delivers what another client publishes, to every stream",
        arguments: [MQTTProtocolVersion.v5, .v311]
    )
    func subscribeReceivesExternalMessages(version: MQTTProtocolVersion) async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, protocolVersion: version)) { client in
                let first = client.messages()
                let second = client.messages()
                try await client.subscribe(["cmd/+/set", "other/#"], qos: .atLeastOnce)
                try await mosquittoPub(port: broker.port, topic: "cmd/tariff/set", message: "T2")
                let expected = MQTTMessage(topic: "cmd/tariff/set", payload: Array("T2".utf8), qos: .atLeastOnce)
                #expect(try await collect(first) { !$0.isEmpty } == [expected])
                #expect(try await collect(second) { !$0.isEmpty } == [expected])
                #expect(expected.payloadString == "T2")
            }
        }
    }

    @Test("MQTT 5 response topic and correlation data survive a round trip through the broker")
    func responseTopicAndCorrelationData() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "requester")) { requester in
                try await withClient(configuration(port: broker.port, "responder")) { responder in
                    let messages = responder.messages()
                    try await responder.subscribe(["req/#"], qos: .atLeastOnce)
                    let properties = PublishProperties(
                        responseTopic: "req/answer",
                        correlationData: [0, 1, 0xFF],
                        messageExpiry: 60
                    )
                    try await requester.publish(
                        .init(topic: "req/tariff/set", payload: "2", qos: .atLeastOnce),
                        properties: properties
                    )
                    let received = try await collect(messages) { !$0.isEmpty }
                    #expect(received.first?.responseTopic == "req/answer")
                    #expect(received.first?.correlationData == [0, 1, 0xFF])
                    #expect(received.first?.payloadString == "2")
                }
            }
        }
    }

    @Test("On MQTT 3.1.1 publish properties are ignored, the message still goes out")
    func propertiesIgnoredOnV311() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, protocolVersion: .v311)) { client in
                let messages = client.messages()
                try await client.subscribe(["v3/#"], qos: .atLeastOnce)
                try await client.publish(
                    .init(topic: "v3/x", payload: "p", qos: .atLeastOnce),
                    properties: .init(responseTopic: "v3/answer", correlationData: [1])
                )
                let received = try await collect(messages) { !$0.isEmpty }
                #expect(received == [MQTTMessage(topic: "v3/x", payload: [0x70], qos: .atLeastOnce)])
            }
        }
    }

    @Test("After unsubscribe the broker no longer sends the filter's messages; the other filters stay")
    func unsubscribeStopsDelivery() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port)) { client in
                let messages = client.messages()
                try await client.subscribe(["gone/+", "kept/+"], qos: .atLeastOnce)
                try client.unsubscribe(["gone/+"])
                // One connection keeps its packets in order: the broker handles the UNSUBSCRIBE first.
                try await client.publish(.init(topic: "gone/x", payload: "no", qos: .atLeastOnce))
                try await client.publish(.init(topic: "kept/x", payload: "yes", qos: .atLeastOnce))
                let received = try await collect(messages) { $0.contains { $0.topic == "kept/x" } }
                #expect(received.map(\.topic) == ["kept/x"])
            }
        }
    }

    @Test("publish and subscribe before connect throw notConnected")
    func notConnected() async throws {
        try await withClient(configuration(port: TestEnvironment.freeLoopbackPort()), connect: false) { client in
            await #expect(throws: MQTTError.notConnected) {
                try await client.publish(.init(topic: "a", payload: "b"))
            }
            await #expect(throws: MQTTError.notConnected) {
                try await client.subscribe(["a"], qos: .atMostOnce)
            }
        }
    }
}
