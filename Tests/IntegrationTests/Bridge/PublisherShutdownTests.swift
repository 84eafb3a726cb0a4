import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import TestSupport
import Testing

/// The bounded shutdown cuts the wait for acknowledgements short; what was not acknowledged must stay stored in the
/// outbox (the next start sends it).
@Suite(.serialized) struct PublisherShutdownTests {
    @Test("A flush cancelled while the broker does not acknowledge keeps every message stored; later all arrive")
    func cancelledFlushLosesNothing() async throws {
        let broker = try await MosquittoBroker()
        var logger = Logger(label: "publisher-test")
        logger.logLevel = .critical
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(port: broker.port, clientID: "flush-\(UUID().uuidString.prefix(8))"),
            logger: logger
        )
        try await client.connect(timeout: .seconds(10))
        let publisher = Publisher(
            client: client,
            topics: TopicLayout(base: "flush", clientID: "c"),
            qos: .atLeastOnce,
            outbox: try Outbox(.memory, limits: OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600))),
            logger: logger
        )
        broker.pause()
        let meters = (1...5).map { "m\($0)" }
        for meter in meters { await publisher.publishAvailability(meter: meter, online: true) }
        let flush = Task { await publisher.flush() }
        // The PUBLISHes go out, the PUBACKs cannot come: cancel the wait as the shutdown deadline does.
        try await Task.sleep(for: .milliseconds(300))
        flush.cancel()
        await flush.value
        #expect(await publisher.queuedCount == meters.count)

        broker.resume()
        await publisher.flush()
        #expect(await publisher.queuedCount == 0)
        let subscriber = try await MQTTTestSubscriber(
            port: broker.port,
            topics: ["flush/+/availability"],
            count: meters.count
        )
        let received = await subscriber.messages()
        #expect(Set(received.map(\.topic)) == Set(meters.map { "flush/\($0)/availability" }), "\(received)")
        await client.shutdown()
        await publisher.close()
        await broker.stopAndRemove()
    }
}
