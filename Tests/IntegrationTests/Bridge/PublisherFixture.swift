import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import TestSupport
import Testing

/// A `Publisher` on a real mosquitto with its outbox in memory: the fixture the publisher's hand-off tests share
/// (QoS 0 hand-off, QoS 1 write-behind).
struct PublisherFixture {
    let broker: MosquittoBroker
    let client: MQTTClient
    let outbox: Outbox
    let publisher: Publisher

    /// Starts a broker and connects a client and a publisher to it; the publisher's run loop is not started.
    /// Topics go under `base`; the outbox in memory holds `outboxBytes` at most.
    static func start(
        base: String,
        qos: QoS,
        writeAhead: Bool = false,
        outboxBytes: Int = 1 << 20,
        longestAdmissionWait: Duration = Publisher.longestAdmissionWait
    ) async throws -> PublisherFixture {
        let broker = try await MosquittoBroker()
        var logger = Logger(label: "\(base)-test")
        logger.logLevel = .critical
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(
                port: broker.port,
                clientID: "\(base)-\(UUID().uuidString.prefix(8))",
                reconnectDelay: .milliseconds(100) ... .milliseconds(500)
            ),
            logger: logger
        )
        try await client.connect(timeout: .seconds(10))
        let outbox = try Outbox(.memory, limits: OutboxLimits(maxBytes: outboxBytes, maxAge: .seconds(3600)))
        let publisher = Publisher(
            client: client,
            topics: TopicLayout(base: base, clientID: "c"),
            qos: qos,
            outbox: outbox,
            writeAhead: writeAhead,
            longestAdmissionWait: longestAdmissionWait,
            logger: logger
        )
        return PublisherFixture(broker: broker, client: client, outbox: outbox, publisher: publisher)
    }

    /// Runs `body` while the publisher's run loop drains, then shuts everything down (a paused broker is resumed
    /// first, so the loop's last acknowledgements can come).
    ///
    /// The loop is known to be draining once its first stored message (a retained probe on `base/probe`) went out.
    static func withDraining(
        base: String,
        qos: QoS,
        writeAhead: Bool = false,
        longestAdmissionWait: Duration = Publisher.longestAdmissionWait,
        _ body: (MosquittoBroker, Outbox, Publisher, MQTTClient) async throws -> Void
    ) async throws {
        let fixture = try await start(
            base: base,
            qos: qos,
            writeAhead: writeAhead,
            longestAdmissionWait: longestAdmissionWait
        )
        let run = await fixture.startDraining(base: base)
        try await body(fixture.broker, fixture.outbox, fixture.publisher, fixture.client)
        fixture.broker.resume()
        fixture.publisher.finish(by: .now + .seconds(5))
        await run.value
        await fixture.close()
    }

    /// Starts the publisher's run loop and returns once it drains: its first stored message (a retained probe on
    /// `base/probe`) went out, so it has seen the connection and the backpressure's gate holds.
    func startDraining(base: String) async -> Task<Void, Never> {
        let run = Task { [publisher] in await publisher.run() }
        await publisher.publishRetained(topic: "\(base)/probe", json: "{}")
        await eventually("the loop delivers") { await publisher.queuedCount == 0 }
        return run
    }

    /// Shuts the client, the publisher and the broker down.
    func close() async {
        await client.shutdown()
        await publisher.close()
        await broker.stopAndRemove()
    }
}
