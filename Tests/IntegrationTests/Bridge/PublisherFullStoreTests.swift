import Bridge
import Foundation
import Logging
import MQTT
import Outbox
import PRO380
import TestSupport
import Testing

/// A store that refuses writes (SQLite's `max_page_count` gives the same `SQLITE_FULL` as a full disk) while the
/// broker is connected: QoS 0 readings go to the broker instead of being dropped; while it is away they are dropped
/// and counted, as before. A real mosquitto and a real SQLite file.
@Suite(.serialized) struct PublisherFullStoreTests {
    /// One poll of 70 readings with keys of 2 KiB: about 150 KB, more than a store of 16 pages (64 KiB) takes.
    static func poll(_ index: Int) -> [Reading] {
        (0..<70).map { key in
            Reading(
                key: "key_\(key)_" + String(repeating: "x", count: 2048),
                value: .integer(index),
                unit: nil,
                time: Date()
            )
        }
    }

    @Test("A full store with the broker connected: QoS 0 readings reach the broker and are not counted as dropped")
    func fullStoreSendsQoS0ReadingsStraightToAConnectedBroker() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("full-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = try await MosquittoBroker()
        var logger = Logger(label: "full-store-test")
        logger.logLevel = .critical
        let outbox = try Outbox(
            .file(folder.appendingPathComponent("outbox.sqlite").path),
            limits: OutboxLimits(maxBytes: 1 << 24, maxAge: .seconds(3600)),
            maxPageCount: 16
        )
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(port: broker.port, clientID: "fs-\(UUID().uuidString.prefix(8))"),
            logger: logger
        )
        let publisher = Publisher(
            client: client,
            topics: TopicLayout(base: "fs", clientID: "c"),
            qos: .atMostOnce,
            outbox: outbox,
            logger: logger
        )
        let drain = Task { await publisher.run() }

        // The broker not connected yet: the poll can be neither stored nor sent, so it is dropped and counted.
        await publisher.publish(meter: "m", readings: Self.poll(1))
        #expect(await publisher.outboxStatistics.drops.writeFailed == 70)

        let subscriber = try MQTTClient(
            configuration: MQTTClientConfiguration(
                port: broker.port,
                clientID: "fs-sub-\(UUID().uuidString.prefix(8))"
            ),
            logger: logger
        )
        let arrivals = subscriber.messages()
        try await subscriber.connect(timeout: .seconds(10))
        try await subscriber.subscribe(["fs/+/+"], qos: .atMostOnce)
        let counting = Task {
            var values: [String] = []
            for await message in arrivals {
                values.append(String(decoding: message.payload, as: UTF8.self))
                if values.count == 70 { break }
            }
            return values
        }
        try await client.connect(timeout: .seconds(10))
        // The drain loop takes the connection in as an event of its own.
        #expect(
            await finishes(within: .seconds(10)) {
                while !Task.isCancelled, await !publisher.sendsWithoutStoring {
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
        )

        // Connected, the store still full: the next poll goes to the broker.
        await publisher.publish(meter: "m", readings: Self.poll(2))
        let arrived = await finishes(within: .seconds(30)) { _ = await counting.value }
        counting.cancel()
        let values = await counting.value
        #expect(arrived, "\(values.count) of 70 readings arrived")
        #expect(values.count == 70)
        #expect(values.allSatisfy { $0.contains("\"value\": 2") }, "\(values.prefix(3))")
        #expect(await publisher.outboxStatistics.drops.writeFailed == 70, "only the first poll was lost")
        #expect(await publisher.queuedCount == 0)

        drain.cancel()
        await drain.value
        await subscriber.shutdown()
        await client.shutdown()
        await publisher.close()
        await broker.stopAndRemove()
    }
}
