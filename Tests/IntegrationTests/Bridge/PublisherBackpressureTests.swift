import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import PRO380
import TestSupport
import Testing

/// Pollers faster than the broker wait at a bound instead of the queue growing; nothing is lost, and a broker that
/// stops acknowledging stalls no poller for good.
@Suite(.serialized) struct PublisherBackpressureTests {
    static let meters = (1...8).map { "m\($0)" }
    static let keys = (0..<70).map { "key_\($0)" }

    /// One poll's readings: 70 keys, the value tells the poll apart.
    static func poll(_ index: Int) -> [Reading] {
        keys.map { Reading(key: $0, value: .integer(index), unit: nil, time: Date()) }
    }

    struct Rig {
        var broker: MosquittoBroker
        var client: MQTTClient
        var publisher: Publisher
        var drain: Task<Void, Never>
    }

    static func rig(_ name: String, qos: QoS = .atLeastOnce, longestWait: Duration) async throws -> Rig {
        let fixture = try await PublisherFixture.start(
            base: name,
            qos: qos,
            outboxBytes: 1 << 24,
            longestAdmissionWait: longestWait
        )
        let drain = await fixture.startDraining(base: name)
        return Rig(broker: fixture.broker, client: fixture.client, publisher: fixture.publisher, drain: drain)
    }

    static func tearDown(_ rig: Rig) async {
        rig.drain.cancel()
        await rig.drain.value
        await rig.client.shutdown()
        await rig.publisher.close()
        await rig.broker.stopAndRemove()
    }

    /// Keys of 2 KiB: a poll is 140 KiB, twelve polls of eight meters (13 MiB) more than the sockets hold while the
    /// broker reads nothing.
    static let longKeys = (0..<70).map { "key_\($0)_" + String(repeating: "x", count: 2048) }
    static let longPollsPerMeter = 12
    static var longPollsTotal: Int { meters.count * longKeys.count * longPollsPerMeter }

    /// Every meter publishes its twelve polls of `longKeys`, the meters at the same time.
    static func publishLongPolls(_ publisher: Publisher) async {
        await withDiscardingTaskGroup { group in
            for meter in meters {
                group.addTask {
                    for index in 1...longPollsPerMeter {
                        let readings = longKeys.map {
                            Reading(key: $0, value: .integer(index), unit: nil, time: Date())
                        }
                        await publisher.publish(meter: meter, readings: readings)
                    }
                }
            }
        }
    }

    /// A client of our own subscribed to `<base>/+/+` (mosquitto_sub's debug lines cut topics as long as these
    /// tests use), and a task that counts what arrives until `total`.
    static func countingSubscriber(
        port: Int,
        base: String,
        total: Int
    ) async throws -> (MQTTClient, Task<Int, Never>) {
        let subscriber = try MQTTClient(
            configuration: MQTTClientConfiguration(port: port, clientID: "\(base)-sub-\(UUID().uuidString.prefix(8))"),
            logger: Logger(label: "\(base)-sub")
        )
        let arrivals = subscriber.messages()
        try await subscriber.connect(timeout: .seconds(10))
        try await subscriber.subscribe(["\(base)/+/+"], qos: .atMostOnce)
        let counting = Task {
            var count = 0
            for await _ in arrivals {
                count += 1
                if count == total { break }
            }
            return count
        }
        return (subscriber, counting)
    }

    /// Waits (polling, generous bound) until `condition` holds; returns whether it did.
    static func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
        for _ in 0..<3000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test(
        "While the broker is behind, polls wait and the live queue stays within the bound; then every reading arrives"
    )
    func pollsWaitAtTheBound() async throws {
        let rig = try await Self.rig("bp", longestWait: .seconds(600))
        let publisher = rig.publisher
        let subscriber = try await MQTTTestSubscriber(
            port: rig.broker.port,
            topics: ["bp/+/+"],
            count: Self.meters.count * Self.keys.count,
            timeout: 120
        )
        // PUBLISHes go out, PUBACKs cannot come: the window fills, then the drain's buffer, then polls wait.
        rig.broker.pause()
        let polls = Task {
            await withDiscardingTaskGroup { group in
                for meter in Self.meters {
                    group.addTask { await publisher.publish(meter: meter, readings: Self.poll(1)) }
                }
            }
        }
        #expect(await Self.eventually { await publisher.backpressure.waitingPolls > 0 })
        let (queued, bound, waiting) = await publisher.backpressure
        #expect(queued <= bound, "queued \(queued), bound \(bound)")
        #expect(waiting > 0)
        #expect(await publisher.queuedCount < Self.meters.count * Self.keys.count)

        rig.broker.resume()
        await polls.value
        #expect(await Self.eventually { await publisher.queuedCount == 0 })
        let received = await subscriber.messages()
        #expect(received.count == Self.meters.count * Self.keys.count)
        let expected = Set(Self.meters.flatMap { meter in Self.keys.map { "bp/\(meter)/\($0)" } })
        #expect(Set(received.map(\.topic)) == expected)
        #expect(await publisher.backpressure.waitingPolls == 0)
        await Self.tearDown(rig)
    }

    @Test(
        "QoS 0: while the broker reads nothing, polls wait instead of piling into libmosquitto's queue; then every reading arrives"
    )
    func qos0PollsWaitForTheSocket() async throws {
        let rig = try await Self.rig("bq", qos: .atMostOnce, longestWait: .seconds(600))
        let (publisher, client) = (rig.publisher, rig.client)
        let total = Self.longPollsTotal
        let (subscriber, counting) = try await Self.countingSubscriber(port: rig.broker.port, base: "bq", total: total)
        // The drain loop takes the connection in as an event of its own; until then polls go through the store.
        #expect(await Self.eventually { await publisher.sendsWithoutStoring })
        rig.broker.pause()
        let polls = Task { await Self.publishLongPolls(publisher) }
        #expect(await Self.eventually { await publisher.backpressure.waitingPolls > 0 })
        let (queued, bound, _) = await publisher.backpressure
        #expect(queued <= bound, "queued \(queued), bound \(bound)")
        #expect(client.unwrittenMessages <= bound, "unwritten \(client.unwrittenMessages), bound \(bound)")
        #expect(await publisher.queuedCount == 0, "QoS 0 readings go to the client, not the store")

        rig.broker.resume()
        await polls.value
        let arrived = await finishes(within: .seconds(120)) { _ = await counting.value }
        #expect(arrived, "not every reading arrived within 120 s")
        counting.cancel()
        #expect(await counting.value == total)
        #expect(await publisher.backpressure.waitingPolls == 0)
        await subscriber.shutdown()
        await Self.tearDown(rig)
    }

    @Test(
        "QoS 0, a connected broker that reads nothing: after the longest wait polls are stored, not piled into libmosquitto; then every reading arrives"
    )
    func qos0PollsPastTheLongestWaitAreStored() async throws {
        let rig = try await Self.rig("bs", qos: .atMostOnce, longestWait: .milliseconds(200))
        let (publisher, client) = (rig.publisher, rig.client)
        let total = Self.longPollsTotal
        let (subscriber, counting) = try await Self.countingSubscriber(port: rig.broker.port, base: "bs", total: total)
        #expect(await Self.eventually { await publisher.sendsWithoutStoring })
        rig.broker.pause()
        await Self.publishLongPolls(publisher)
        // Every poll returned while the broker is still paused; libmosquitto holds about a drain buffer, the
        // outbox the rest.
        let (_, bound, _) = await publisher.backpressure
        #expect(client.unwrittenMessages <= bound + Self.longKeys.count, "unwritten \(client.unwrittenMessages)")
        let stored = await publisher.queuedCount
        #expect(stored > total / 2, "stored: \(stored)")
        #expect(await publisher.outboxStatistics.drops.total == 0)

        rig.broker.resume()
        let arrived = await finishes(within: .seconds(120)) { _ = await counting.value }
        #expect(arrived, "not every reading arrived within 120 s")
        counting.cancel()
        #expect(await counting.value == total)
        #expect(await Self.eventually { await publisher.queuedCount == 0 })
        await subscriber.shutdown()
        await Self.tearDown(rig)
    }

    @Test("A broker that stops acknowledging holds each poll at most the longest wait: every poll is stored")
    func muteBrokerStallsNobodyForGood() async throws {
        let rig = try await Self.rig("mute", longestWait: .milliseconds(200))
        let publisher = rig.publisher
        rig.broker.pause()
        await withDiscardingTaskGroup { group in
            for meter in Self.meters {
                group.addTask {
                    for index in 1...3 { await publisher.publish(meter: meter, readings: Self.poll(index)) }
                }
            }
        }
        // Every poll returned while the broker is still paused: all stored, none dropped.
        #expect(await publisher.queuedCount == 3 * Self.meters.count * Self.keys.count)
        #expect(await publisher.outboxStatistics.drops.total == 0)
        rig.broker.resume()
        #expect(await Self.eventually { await publisher.queuedCount == 0 })
        await Self.tearDown(rig)
    }
}
