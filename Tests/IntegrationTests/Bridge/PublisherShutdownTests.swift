import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import TestSupport
import Testing

/// Shutdown ends the publisher's loop by asking it to finish (`Publisher.finish(by:)`): the loop sends what is
/// live, waits for the acknowledgements of everything it started, and ends; a deadline bounds the wait, and what
/// was not acknowledged by then stays stored in the outbox (the next start sends it).
@Suite(.serialized) struct PublisherShutdownTests {
    @Test("Messages stored just before finishing are all sent and acknowledged before the loop ends")
    func finishingSendsWhatWasJustStored() async throws {
        try await withPublisher(qos: .atLeastOnce) { broker, publisher in
            let run = Task { await publisher.run() }
            await waitUntilSending(publisher)
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["flush/+/availability"],
                count: Self.meters.count
            )
            // As at shutdown: the buses store their meters' `offline`, then the publisher's turn comes at once.
            for meter in Self.meters { await publisher.publishAvailability(meter: meter, online: false) }
            publisher.finish(by: .now + .seconds(20))
            await run.value
            #expect(await publisher.finishedAcknowledged)
            #expect(await publisher.queuedCount == 0)
            let received = await subscriber.messages()
            #expect(Set(received.map(\.topic)) == Set(Self.meters.map { "flush/\($0)/availability" }), "\(received)")
            #expect(received.allSatisfy { $0.payload == "offline" })

        }
    }

    @Test("A finish whose deadline passes while the broker does not acknowledge keeps every message stored")
    func finishAtTheDeadlineLosesNothing() async throws {
        try await withPublisher(qos: .atLeastOnce) { broker, publisher in
            let run = Task { await publisher.run() }
            await waitUntilSending(publisher)
            broker.pause()
            for meter in Self.meters { await publisher.publishAvailability(meter: meter, online: true) }
            // The PUBLISHes go out, the PUBACKs cannot come: the loop ends at the deadline.
            publisher.finish(by: .now + .milliseconds(300))
            await run.value
            #expect(await !publisher.finishedAcknowledged)
            #expect(await publisher.queuedCount == Self.meters.count)

            broker.resume()
            let again = Task { await publisher.run() }
            await eventually("sent after the broker came back") { await publisher.queuedCount == 0 }
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["flush/+/availability"],
                count: Self.meters.count
            )
            let received = await subscriber.messages()
            #expect(Set(received.map(\.topic)) == Set(Self.meters.map { "flush/\($0)/availability" }), "\(received)")
            publisher.finish(by: .now + .seconds(5))
            await again.value
        }
    }

    static let meters = (1...5).map { "m\($0)" }

    /// Waits until the loop delivers: a first message stored and acknowledged.
    private func waitUntilSending(_ publisher: Publisher) async {
        await publisher.publishRetained(topic: "flush/probe", json: "{}")
        await eventually("the loop delivers") { await publisher.queuedCount == 0 }
    }

    private func withPublisher(
        qos: QoS,
        _ body: (MosquittoBroker, Publisher) async throws -> Void
    ) async throws {
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
            qos: qos,
            outbox: try Outbox(.memory, limits: OutboxLimits(maxBytes: 1 << 20, maxAge: .seconds(3600))),
            logger: logger
        )
        try await body(broker, publisher)
        await client.shutdown()
        await publisher.close()
        await broker.stopAndRemove()
    }
}
