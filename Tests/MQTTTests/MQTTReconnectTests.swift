import Foundation
import MQTT
import TestSupport
import Testing

@Suite("MQTT birth, will and reconnect against a real mosquitto")
struct MQTTReconnectTests {
    static let online = MQTTMessageDraft(
        topic: "pro380/bridge/state",
        payload: "online",
        qos: .atLeastOnce,
        retain: true
    )
    static let offline = MQTTMessageDraft(
        topic: "pro380/bridge/state",
        payload: "offline",
        qos: .atLeastOnce,
        retain: true
    )

    @Test("After a broker restart: state connected → disconnected → connected, birth again, subscriptions restored")
    func reconnectAfterBrokerRestart() async throws {
        try await withBroker { broker in
            var config = configuration(port: broker.port, "reconnect")
            config.birth = Self.online
            try await withClient(config) { client in
                let states = client.connectionStates()
                let messages = client.messages()
                try await client.subscribe(["cmd/#"], qos: .atLeastOnce)
                let before = try await MQTTTestSubscriber(port: broker.port, topics: ["pro380/bridge/state"], count: 1)
                #expect(
                    await before.messages() == [
                        .init(topic: "pro380/bridge/state", payload: "online", qos: 1, retain: true)
                    ]
                )

                try await broker.restart()
                let seen = try await collect(states) { $0.filter { $0 == .connected }.count == 2 }
                #expect(seen.first == .connected)
                #expect(seen.contains { if case .disconnected = $0 { true } else { false } })
                #expect(seen.last == .connected)

                // Persistence is off: a retained "online" after the restart was published after the reconnect.
                let after = try await MQTTTestSubscriber(port: broker.port, topics: ["pro380/bridge/state"], count: 1)
                #expect(
                    await after.messages() == [
                        .init(topic: "pro380/bridge/state", payload: "online", qos: 1, retain: true)
                    ]
                )
                try await mosquittoPub(port: broker.port, topic: "cmd/tariff/set", message: "1", retain: true)
                let received = try await collect(messages) { !$0.isEmpty }
                #expect(received.map(\.topic) == ["cmd/tariff/set"])
                try await client.publish(.init(topic: "after/restart", payload: "ok", qos: .atLeastOnce))
            }
        }
    }

    @Test("The will is published when the connection dies without DISCONNECT, not on shutdown")
    func willOnAbruptLoss() async throws {
        try await withBroker { broker in
            let proxy = try await TCPProxy(to: broker.port)
            var config = configuration(port: proxy.port, "will")
            config.birth = Self.online
            config.will = Self.offline
            try await withClient(config) { client in
                let states = client.connectionStates()
                let subscriber = try await MQTTTestSubscriber(
                    port: broker.port,
                    topics: ["pro380/bridge/state"],
                    count: 2
                )
                await proxy.cut()
                let received = await subscriber.messages()
                #expect(received.map(\.payload) == ["online", "offline"])
                _ = try await collect(states) { $0.contains { if case .disconnected = $0 { true } else { false } } }
                // Now reconnecting against a dead port: shutdown must still end the network thread.
            }
        }
    }

    @Test("A clean shutdown sends DISCONNECT: the broker keeps the birth, not the will")
    func noWillOnShutdown() async throws {
        try await withBroker { broker in
            var config = configuration(port: broker.port, "clean")
            config.birth = Self.online
            config.will = Self.offline
            let client = try MQTTClient(configuration: config, logger: testLogger)
            try await client.connect()
            try await client.publish(.init(topic: "marker", payload: "x", qos: .atLeastOnce))
            await client.shutdown()
            // Once the broker handled the DISCONNECT, the retained state is final: a marker published afterwards
            // by another client arrives after it, so mosquitto_sub's two messages show the state at that point.
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["pro380/bridge/state", "late"],
                count: 2
            )
            try await mosquittoPub(port: broker.port, topic: "late", message: "marker")
            let received = await subscriber.messages()
            #expect(received.map(\.payload) == ["online", "marker"])
        }
    }
}
