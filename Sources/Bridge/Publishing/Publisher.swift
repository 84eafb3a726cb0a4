import DequeModule
import Foundation
package import Logging
package import MQTT
package import PRO380

/// Turns readings, availability and diagnostics into MQTT messages, and keeps them while the broker is away.
///
/// Store and forward: every message goes into a bounded queue, in order, with the reading's original timestamp in
/// its payload; `run()` sends the queue whenever the client is connected. So a poller never waits for the broker:
/// a QoS 1 publish that was in flight when the connection dropped waits for the reconnect inside `run()`, while
/// polling goes on and its readings queue up behind it. When the queue is full the oldest messages are dropped and
/// counted. The publisher never sees protocol frames.
package actor Publisher {
    private struct Queued {
        var sequence: UInt64
        var draft: MQTTMessageDraft
    }

    /// How many messages are in flight at once while the queue is sent.
    private static let batchSize = 64

    private let client: MQTTClient
    private let topics: TopicLayout
    private let qos: QoS
    private let logger: Logger
    private var queue: Deque<Queued> = []
    private var nextSequence: UInt64 = 0
    private let queueLimit: Int
    private var flushing = false
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation
    package private(set) var dropped = 0
    package private(set) var published = 0
    /// What was published per meter (keys, identity values, availability), for discovery and diagnostics.
    package let ledger: MeterLedger

    package init(
        client: MQTTClient,
        topics: TopicLayout,
        qos: QoS,
        queueLimit: Int = 100_000,
        ledger: MeterLedger = MeterLedger(),
        logger: Logger
    ) {
        self.client = client
        self.ledger = ledger
        self.topics = topics
        self.qos = qos
        self.queueLimit = queueLimit
        self.logger = logger
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues each reading, retained, for `<base>/<meter>/<key>`.
    package func publish(meter: String, readings: [Reading]) async {
        ledger.record(meter: meter, readings: readings)
        enqueue(
            readings.map {
                MQTTMessageDraft(
                    topic: topics.reading(meter: meter, key: $0.key),
                    payload: ReadingPayload.json($0),
                    qos: qos,
                    retain: true
                )
            }
        )
    }

    /// Queues `online` or `offline`, retained, for `<base>/<meter>/availability`.
    package func publishAvailability(meter: String, online: Bool) async {
        ledger.record(meter: meter, online: online)
        enqueue([
            MQTTMessageDraft(
                topic: topics.availability(meter: meter),
                payload: online ? "online" : "offline",
                qos: .atLeastOnce,
                retain: true
            )
        ])
    }

    /// Queues a retained JSON document for `topic` (diagnostics).
    package func publishRetained(topic: String, json: String) async {
        enqueue([MQTTMessageDraft(topic: topic, payload: json, qos: .atMostOnce, retain: true)])
    }

    /// Publishes `offline` for the bridge, retained, straight to the broker at shutdown (after the last flush);
    /// when the connection dies instead, the will says the same.
    package func publishBridgeOffline() async {
        guard client.state == .connected else { return }
        try? await client.publish(
            MQTTMessageDraft(topic: topics.bridgeState, payload: "offline", qos: .atLeastOnce, retain: true)
        )
    }

    /// How many messages wait for the broker (or its acknowledgement).
    package var queuedCount: Int { queue.count }

    /// Sends the queue whenever something was queued or the client connected; runs until cancelled.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [client, wakeup] in
                for await state in client.connectionStates() {
                    if state == .connected { wakeup.yield() }
                    if state == .shutDown { return }
                }
            }
            for await _ in wakeups { await flush() }
            group.cancelAll()
        }
    }

    /// Sends queued messages in order, while the client is connected, until the queue is empty or a publish fails
    /// (the rest waits for the next connection). The shutdown path calls it after `run()` ended. Cancelling the task
    /// ends the wait for acknowledgements: what was not acknowledged stays queued.
    package func flush() async {
        guard !flushing else { return }
        flushing = true
        defer { flushing = false }
        while !queue.isEmpty, client.state == .connected, !Task.isCancelled {
            let batch = nextBatch()
            let sent = await withTaskGroup(of: UInt64?.self) { group in
                for item in batch {
                    group.addTask { [client, logger] in
                        do {
                            try await client.publish(item.draft)
                        } catch MQTTError.notConnected, MQTTError.shutDown {
                            return nil
                        } catch is CancellationError {
                            // Shutdown: stays queued (libmosquitto may still deliver it; QoS 1 allows a duplicate).
                            return nil
                        } catch {
                            // The broker or libmosquitto refuses this message itself: retrying would block the queue.
                            logger.error("not published: \(error)", metadata: ["topic": "\(item.draft.topic)"])
                        }
                        return item.sequence
                    }
                }
                var sent = Set<UInt64>()
                for await sequence in group { if let sequence { sent.insert(sequence) } }
                return sent
            }
            // Messages may have been queued or dropped meanwhile: remove exactly those that went out.
            queue.removeAll { sent.contains($0.sequence) }
            published += sent.count
            if sent.count < batch.count {
                logger.debug("sending paused: \(batch.count - sent.count) messages wait for the broker")
                return
            }
        }
    }

    /// The oldest queued messages, up to `batchSize`, stopping before a topic repeats: the messages of one batch go
    /// out concurrently, so two readings of one topic (queued during an outage) must not share a batch, or the
    /// older could overtake the newer and stay the retained value.
    private func nextBatch() -> [Queued] {
        var batch: [Queued] = []
        var topics = Set<String>()
        for item in queue.prefix(Self.batchSize) {
            guard topics.insert(item.draft.topic).inserted else { break }
            batch.append(item)
        }
        return batch
    }

    private func enqueue(_ drafts: [MQTTMessageDraft]) {
        for draft in drafts {
            queue.append(Queued(sequence: nextSequence, draft: draft))
            nextSequence += 1
        }
        if queue.count > queueLimit {
            let excess = queue.count - queueLimit
            queue.removeFirst(excess)
            dropped += excess
            logger.warning(
                "offline queue full: dropped the \(excess) oldest messages",
                metadata: ["limit": "\(queueLimit)"]
            )
        }
        wakeup.yield()
    }
}
