import DequeModule
import Foundation
package import Logging
package import MQTT
package import PRO380

/// Turns readings, availability and diagnostics into MQTT messages, and keeps them while the broker is away.
///
/// Store and forward: a message that cannot be published (not connected) waits in a bounded queue, in order, with
/// the reading's original timestamp in its payload, and goes out when the connection is back. When the queue is
/// full the oldest messages are dropped and counted. The publisher never sees protocol frames.
package actor Publisher {
    private let client: MQTTClient
    private let topics: TopicLayout
    private let qos: QoS
    private let logger: Logger
    private var queue: Deque<MQTTMessageDraft> = []
    private let queueLimit: Int
    private var flushing = false
    package private(set) var dropped = 0
    package private(set) var published = 0
    /// What was published per meter (keys, identity values, availability), for discovery and diagnostics.
    package let ledger: MeterLedger

    package init(client: MQTTClient, topics: TopicLayout, qos: QoS, queueLimit: Int = 100_000, ledger: MeterLedger = MeterLedger(), logger: Logger) {
        self.client = client
        self.ledger = ledger
        self.topics = topics
        self.qos = qos
        self.queueLimit = queueLimit
        self.logger = logger
    }

    /// Publishes each reading retained to `<base>/<meter>/<key>`.
    package func publish(meter: String, readings: [Reading]) async {
        ledger.record(meter: meter, readings: readings)
        let drafts = readings.map {
            MQTTMessageDraft(topic: topics.reading(meter: meter, key: $0.key), payload: ReadingPayload.json($0), qos: qos, retain: true)
        }
        await send(drafts)
    }

    /// Publishes `online` or `offline`, retained, to `<base>/<meter>/availability`.
    package func publishAvailability(meter: String, online: Bool) async {
        ledger.record(meter: meter, online: online)
        await send([MQTTMessageDraft(topic: topics.availability(meter: meter), payload: online ? "online" : "offline", qos: .atLeastOnce, retain: true)])
    }

    /// Publishes a retained JSON document to `topic` (diagnostics).
    package func publishRetained(topic: String, json: String) async {
        await send([MQTTMessageDraft(topic: topic, payload: json, qos: .atMostOnce, retain: true)])
    }

    /// How many messages wait for the broker.
    package var queuedCount: Int { queue.count }

    /// Sends queued messages once the client is connected again; runs until cancelled.
    package func run() async {
        for await state in client.connectionStates() {
            if state == .connected { await flush() }
            if state == .shutDown { return }
        }
    }

    private func send(_ drafts: [MQTTMessageDraft]) async {
        guard queue.isEmpty, client.state == .connected else {
            enqueue(drafts)
            return
        }
        await withTaskGroup(of: MQTTMessageDraft?.self) { group in
            for draft in drafts {
                group.addTask { [client] in
                    do {
                        try await client.publish(draft)
                        return nil
                    } catch {
                        return draft
                    }
                }
            }
            var failed: [MQTTMessageDraft] = []
            for await result in group { if let result { failed.append(result) } }
            published += drafts.count - failed.count
            if !failed.isEmpty { enqueue(failed) }
        }
    }

    private func enqueue(_ drafts: [MQTTMessageDraft]) {
        queue.append(contentsOf: drafts)
        if queue.count > queueLimit {
            let excess = queue.count - queueLimit
            queue.removeFirst(excess)
            dropped += excess
            logger.warning("offline queue full: dropped the \(excess) oldest messages", metadata: ["limit": "\(queueLimit)"])
        }
    }

    private func flush() async {
        guard !flushing else { return }
        flushing = true
        defer { flushing = false }
        if !queue.isEmpty { logger.info("broker is back: sending \(queue.count) queued messages") }
        while let draft = queue.first, client.state == .connected {
            do {
                try await client.publish(draft)
                queue.removeFirst()
                published += 1
            } catch {
                logger.debug("flush paused: \(error)")
                return
            }
        }
    }
}
