import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import PRO380
import TestSupport
import Testing

/// QoS 1 readings skip the outbox while it holds nothing waiting and the broker acknowledges them in time
/// (`Publisher+Unstored.swift`); what the broker has not acknowledged within `Publisher.unstoredLimit`, at shutdown
/// or before anything else is stored, is stored in the order it was handed over, and delivered once.
@Suite(.serialized) struct PublisherWriteBehindTests {
    static let keys = (0..<5).map { "key_\($0)" }

    static func poll(_ index: Int) -> [Reading] {
        keys.map { Reading(key: $0, value: .integer(index), unit: nil, time: Date()) }
    }

    @Test func acknowledgedReadingsAreNeverStored() async throws {
        try await withPublisher { broker, outbox, publisher, _ in
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["behind/m1/+"],
                count: 3 * Self.keys.count
            )
            let (lastID, published) = (await outbox.lastID, await publisher.published)
            for index in 1...3 { await publisher.publish(meter: "m1", readings: Self.poll(index)) }
            let received = await subscriber.messages()
            #expect(received.count == 3 * Self.keys.count, "\(received)")
            #expect(received.allSatisfy { $0.qos == 1 }, "\(received)")
            // Counted once their acknowledgements are seen: at the next poll or the run loop's next look.
            await eventually("the acknowledgements are counted") {
                await publisher.published == published + 3 * Self.keys.count
            }
            #expect(await outbox.lastID == lastID, "nothing was stored")
            #expect(await outbox.statistics.count == 0)
        }
    }

    /// Polls handed over faster than the broker acknowledges them wait for room (the admission counts the unstored
    /// batches still due) instead of being stored: flat out, one poll stored sent every later one through the store
    /// while anything waited there (docs/performance.md, stop 26). Three polls of 100 readings exceed the drain
    /// buffer (256); three meters publish three each at once: 900 readings, fewer than the test broker queues for
    /// a slow subscriber (mosquitto's `max_queued_messages`, 1000), so any missing one is the bridge's.
    @Test func pollsAheadOfTheAcknowledgementsWaitInsteadOfBeingStored() async throws {
        try await withPublisher { broker, outbox, publisher, _ in
            let keys = (0..<100).map { "key_\($0)" }
            let (meters, pollsEach) = (3, 3)
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["behind/+/+"],
                count: meters * pollsEach * keys.count,
                timeout: 30
            )
            let (lastID, published) = (await outbox.lastID, await publisher.published)
            await withTaskGroup(of: Void.self) { group in
                for meter in 1...meters {
                    group.addTask {
                        for index in 1...pollsEach {
                            let readings = keys.map {
                                Reading(key: $0, value: .integer(index), unit: nil, time: Date())
                            }
                            await publisher.publish(meter: "m\(meter)", readings: readings)
                        }
                    }
                }
            }
            #expect(await outbox.lastID == lastID, "nothing was stored")
            let received = await subscriber.messages()
            #expect(received.count == meters * pollsEach * keys.count)
            await eventually("the acknowledgements are counted") {
                await publisher.published == published + meters * pollsEach * keys.count
            }
            #expect(await publisher.backpressure.queued == 0)
        }
    }

    /// A poll that comes while a stored message is in flight waits for its acknowledgement, then goes unstored:
    /// stored, it kept the store from ever emptying flat out, and from then on every poll went through it (the
    /// bridge's first poll comes while what was stored during the connect is replayed; docs/performance.md,
    /// stop 27). The availability message is
    /// always stored; the paused broker keeps it in flight.
    @Test func pollBehindAStoredMessageInFlightWaitsForItInsteadOfBeingStored() async throws {
        try await withPublisher(longestAdmissionWait: .seconds(30)) { broker, outbox, publisher, _ in
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["behind/m1/+"],
                count: 1 + 2 * Self.keys.count,
                timeout: 30
            )
            let lastID = await outbox.lastID
            broker.pause()
            await publisher.publishAvailability(meter: "m1", online: true)
            #expect(await outbox.lastID == lastID + 1)
            let poll = Task { await publisher.publish(meter: "m1", readings: Self.poll(1)) }
            await eventually("the poll waits for the stored message") {
                await publisher.backpressure.waitingPolls == 1
            }
            #expect(await outbox.lastID == lastID + 1, "the poll was not stored")
            broker.resume()
            await poll.value
            await publisher.publish(meter: "m1", readings: Self.poll(2))
            #expect(await outbox.lastID == lastID + 1, "neither poll was stored")
            let received = await subscriber.messages()
            #expect(received.count == 1 + 2 * Self.keys.count, "\(received)")
            #expect(received.first?.topic == "behind/m1/availability", "\(received)")
            await eventually("the store empties") { await outbox.statistics.count == 0 }
        }
    }

    /// The wait behind a stored message ends at the longest admission wait: a broker that never acknowledges it
    /// stalls no poller for good; the poll is stored behind it.
    @Test func pollBehindAnUnacknowledgedStoredMessageIsStoredAfterTheLongestWait() async throws {
        try await withPublisher(longestAdmissionWait: .milliseconds(300)) { broker, outbox, publisher, _ in
            let lastID = await outbox.lastID
            broker.pause()
            await publisher.publishAvailability(meter: "m1", online: true)
            await publisher.publish(meter: "m1", readings: Self.poll(1))
            #expect(await outbox.lastID == lastID + 1 + Int64(Self.keys.count), "stored after its wait")
            #expect(await publisher.backpressure.waitingPolls == 0)
        }
    }

    @Test func readingsNotAcknowledgedInTimeAreStoredThenDeliveredOnce() async throws {
        try await withPublisher { broker, outbox, publisher, _ in
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["behind/m1/+"],
                count: 2 * Self.keys.count,
                timeout: 30
            )
            let published = await publisher.published
            broker.pause()
            await publisher.publish(meter: "m1", readings: Self.poll(1))
            #expect(await outbox.statistics.count == 0, "handed over, not stored")
            await eventually("stored once the limit passed", timeout: .seconds(10)) {
                await outbox.statistics.count == Self.keys.count
            }
            broker.resume()
            await eventually("the acknowledgements delete them", timeout: .seconds(10)) {
                await outbox.statistics.count == 0
            }
            await eventually("counted as delivered") { await publisher.published == published + Self.keys.count }
            // The plan did not send them a second time: libmosquitto's copies were the only ones.
            try await Task.sleep(for: .milliseconds(500))
            await subscriber.stop()
            let received = await subscriber.messages()
            #expect(received.count == Self.keys.count, "\(received)")
            #expect(Set(received.map(\.topic)).count == Self.keys.count, "\(received)")
            #expect(received.allSatisfy { $0.payload.contains("\"value\": 1,") }, "\(received)")
        }
    }

    @Test func nothingStoredOvertakesAPollStillUnacknowledged() async throws {
        try await withPublisher { broker, outbox, publisher, _ in
            broker.pause()
            await publisher.publish(meter: "m1", readings: Self.poll(1))
            // Stored right away: the poll handed over before it goes into the store first.
            await publisher.publishAvailability(meter: "m1", online: true)
            let stored = try await outbox.read(after: 0, limit: 100).map(\.message.topic)
            #expect(stored == Self.keys.map { "behind/m1/\($0)" } + ["behind/m1/availability"], "\(stored)")
            broker.resume()
            await eventually("all delivered", timeout: .seconds(10)) { await outbox.statistics.count == 0 }
        }
    }

    /// `outbox.write_ahead: true`: every QoS 1 reading is stored before it is handed over, as before this change.
    @Test func writeAheadStoresEveryReadingFirst() async throws {
        try await withPublisher(writeAhead: true) { broker, outbox, publisher, _ in
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["behind/m1/+"],
                count: Self.keys.count
            )
            let lastID = await outbox.lastID
            await publisher.publish(meter: "m1", readings: Self.poll(1))
            #expect(await outbox.lastID == lastID + Int64(Self.keys.count), "stored before it was sent")
            #expect(await subscriber.messages().count == Self.keys.count)
            await eventually("the acknowledgements delete them") { await outbox.statistics.count == 0 }
        }
    }

    @Test func shutdownStoresWhatTheBrokerHasNotAcknowledged() async throws {
        let fixture = try await PublisherFixture.start(base: "behind", qos: .atLeastOnce)
        let (broker, outbox, publisher) = (fixture.broker, fixture.outbox, fixture.publisher)
        let run = await fixture.startDraining(base: "behind")
        broker.pause()
        await publisher.publish(meter: "m1", readings: Self.poll(1))
        publisher.finish(by: .now + .milliseconds(300))
        await run.value
        #expect(await outbox.statistics.count == Self.keys.count, "kept for the next start")
        #expect(await publisher.finishedAcknowledged == false)
        broker.resume()
        await fixture.close()
    }

    private func withPublisher(
        writeAhead: Bool = false,
        longestAdmissionWait: Duration = Publisher.longestAdmissionWait,
        _ body: (MosquittoBroker, Outbox, Publisher, MQTTClient) async throws -> Void
    ) async throws {
        try await PublisherFixture.withDraining(
            base: "behind",
            qos: .atLeastOnce,
            writeAhead: writeAhead,
            longestAdmissionWait: longestAdmissionWait,
            body
        )
    }
}
