import Foundation
import Logging
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

    /// The loss of an established connection is a warning; the CONNACK that ends the outage is a notice naming how
    /// long it lasted, so a log read at notice level shows both ends (the first connection is info).
    @Test("A lost connection is logged as a warning, and the reconnect that ends it as a notice with its length")
    func reconnectIsLoggedWithTheOutage() async throws {
        try await withBroker { broker in
            let capture = LogCapture()
            try await withClient(
                configuration(port: broker.port, "reconnect-log"),
                logger: capture.logger(label: "mqtt")
            ) { client in
                let states = client.connectionStates()
                try await broker.restart()
                _ = try await collect(states) { $0.filter { $0 == .connected }.count == 2 }
            }
            let logged = capture.entries.filter { $0.message.hasPrefix("MQTT co") }
            #expect(logged.map(\.level) == [.info, .warning, .notice], "\(logged)")
            #expect(logged.first?.message == "MQTT connected")
            #expect(logged[1].message.hasPrefix("MQTT connection lost; reconnecting in"), "\(logged)")
            let again = logged.last?.message ?? ""
            #expect(again.hasPrefix("MQTT connected again after ") && again.hasSuffix(" s without a connection"))
            #expect(logged.last?.metadata["broker"] == "127.0.0.1:\(broker.port)", "\(logged)")
        }
    }

    /// The retries of an outage are a warning once, then debug; when they reach their longest delay a notice says
    /// so, once, with the outage's length: whoever brings the broker back knows how long the client may take.
    @Test("An outage's retries say once, as a notice, when they reach their longest delay")
    func reconnectCeilingIsLoggedOnce() async throws {
        try await withBroker { broker in
            let capture = LogCapture()
            var settings = configuration(port: broker.port, "reconnect-ceiling")
            settings.reconnectDelay = .milliseconds(100) ... .milliseconds(400)
            try await withClient(settings, logger: capture.logger(label: "mqtt")) { client in
                let states = client.connectionStates()
                await broker.stop()
                let ceiling = { capture.entries.filter { $0.message.hasPrefix("MQTT still no connection") } }
                let deadline = ContinuousClock.now + .seconds(20)
                while ceiling().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                // A few more retries at the longest delay: none says it again.
                try await Task.sleep(for: .milliseconds(1300))
                #expect(ceiling().count == 1, "\(capture.entries.map(\.message))")
                #expect(ceiling().first?.level == .notice)
                let message = ceiling().first?.message ?? ""
                #expect(
                    message.hasPrefix("MQTT still no connection to 127.0.0.1:\(broker.port) after ")
                        && message.hasSuffix(" s; retrying every 0.4 seconds until it answers"),
                    "\(message)"
                )
                let warnings = capture.entries.filter { $0.level == .warning }.map(\.message)
                #expect(warnings.count == 2, "the loss and the first failed retry: \(warnings)")
                try await broker.restart()
                _ = try await collect(states, timeout: .seconds(20)) { $0.filter { $0 == .connected }.count == 2 }
            }
            #expect(capture.entries.last { $0.message.hasPrefix("MQTT connected again after ") }?.level == .notice)
        }
    }

    /// While connected the network thread waits on the socket and the client's own wake-up, not on libmosquitto's
    /// internal socket pair, which every publish still writes a byte to: after a few hundred publishes that pair is
    /// full and stays so. Publishing must go on regardless, and `mosquitto_loop`, used again while reconnecting,
    /// must get through the bytes left in it.
    @Test("Thousands of publishes, a broker restart, and the client still connects again and delivers")
    func publishesBeyondTheWakeUpPairThenReconnect() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "wakeup")) { client in
                let states = client.connectionStates()
                let batches = 20
                let perBatch = 100
                let subscriber = try await MQTTTestSubscriber(
                    port: broker.port,
                    topics: ["wakeup/#"],
                    count: batches * perBatch,
                    qos: 0,
                    timeout: 30
                )
                for batch in 0..<batches {
                    let drafts = (0..<perBatch).map { index in
                        MQTTMessageDraft(topic: "wakeup/\(index)", payload: "\(batch)", qos: .atMostOnce)
                    }
                    let outcomes = client.publish(batch: drafts).outcomes
                    #expect(outcomes.allSatisfy { $0 == .delivered }, "batch \(batch): \(outcomes)")
                    // Paced, so the broker's queue towards the subscriber never has a reason to drop QoS 0.
                    try await Task.sleep(for: .milliseconds(20))
                }
                let received = await subscriber.messages()
                #expect(received.count == batches * perBatch)
                #expect(received.last?.payload == "\(batches - 1)")

                try await broker.restart()
                _ = try await collect(states) { $0.filter { $0 == .connected }.count == 2 }
                let after = try await MQTTTestSubscriber(port: broker.port, topics: ["after/restart"], count: 1)
                try await client.publish(.init(topic: "after/restart", payload: "ok", qos: .atLeastOnce))
                #expect(await after.messages().map(\.payload) == ["ok"])
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
