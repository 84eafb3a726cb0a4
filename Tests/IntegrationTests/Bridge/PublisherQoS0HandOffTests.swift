import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import PRO380
import TestSupport
import Testing

/// QoS 0 readings skip the outbox while it holds nothing waiting (`Publisher`'s hand-off): they reach the broker
/// without a store transaction, and the moment anything is stored (an outage) they are stored too and replayed in
/// order, so no topic's readings change order and nothing is lost.
@Suite(.serialized) struct PublisherQoS0HandOffTests {
    static let keys = (0..<5).map { "key_\($0)" }

    static func poll(_ index: Int) -> [Reading] {
        keys.map { Reading(key: $0, value: .integer(index), unit: nil, time: Date()) }
    }

    @Test func readingsGoStraightToTheBrokerWhileNothingIsStored() async throws {
        try await withPublisher { broker, outbox, publisher, _ in
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["handoff/m1/+"],
                count: 3 * Self.keys.count,
                qos: 0
            )
            let lastID = await outbox.lastID
            for index in 1...3 { await publisher.publish(meter: "m1", readings: Self.poll(index)) }
            let received = await subscriber.messages()
            // Nothing was stored: no id was used, the store is empty.
            #expect(await outbox.lastID == lastID)
            #expect(await outbox.statistics.count == 0)
            #expect(received.count == 3 * Self.keys.count, "\(received)")
            for key in Self.keys {
                let values = received.filter { $0.topic == "handoff/m1/\(key)" }.map(\.payload)
                #expect(values.map { $0.hasPrefix("{\"value\": ") } == [true, true, true], "\(values)")
                #expect(values.map { $0.contains("\"value\": 1,") } == [true, false, false], "\(values)")
                #expect(values.last?.contains("\"value\": 3,") == true, "\(values)")
            }
            #expect(received.allSatisfy(\.retain) == false, "a live subscriber sees retain = 0 (MQTT 3.1.3.3)")
            #expect(await publisher.published >= 3 * Self.keys.count)
        }
    }

    @Test func duringAnOutageReadingsAreStoredThenReplayedInOrderBeforeNewOnesGoStraight() async throws {
        try await withPublisher { broker, outbox, publisher, client in
            await broker.stop()
            await eventually("the client sees the outage") { client.state != .connected }
            for index in 1...3 { await publisher.publish(meter: "m1", readings: Self.poll(index)) }
            #expect(await outbox.statistics.count == 3 * Self.keys.count)
            try await broker.restart()
            await eventually("the backlog is delivered") { await outbox.statistics.count == 0 }
            let subscriber = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["handoff/m1/+"],
                count: Self.keys.count,
                qos: 0
            )
            // The retained values the broker holds are the newest stored ones (poll 3).
            let retained = await subscriber.messages()
            #expect(retained.count == Self.keys.count)
            #expect(retained.allSatisfy { $0.retain && $0.payload.contains("\"value\": 3,") }, "\(retained)")
            // With the backlog gone, a new poll goes straight again: the store's last id does not move.
            let lastID = await outbox.lastID
            let live = try await MQTTTestSubscriber(
                port: broker.port,
                topics: ["handoff/m1/key_0"],
                count: 2,
                qos: 0
            )
            await publisher.publish(meter: "m1", readings: Self.poll(4))
            let fresh = await live.messages()
            #expect(fresh.map(\.retain) == [true, false], "\(fresh)")
            #expect(fresh.last?.payload.contains("\"value\": 4,") == true, "\(fresh)")
            #expect(await outbox.lastID == lastID)
        }
    }

    private func withPublisher(
        _ body: (MosquittoBroker, Outbox, Publisher, MQTTClient) async throws -> Void
    ) async throws {
        try await PublisherFixture.withDraining(base: "handoff", qos: .atMostOnce, body)
    }
}
