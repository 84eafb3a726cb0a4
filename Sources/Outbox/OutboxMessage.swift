package import Foundation

/// One message for the broker as the outbox keeps it: plain values, since the outbox knows nothing of MQTT.
package struct OutboxMessage: Sendable, Equatable {
    /// The topic name.
    package var topic: String
    /// The payload bytes, sent as they are.
    package var payload: [UInt8]
    /// The MQTT quality of service, 0 or 1 (2 is stored and sent like 1).
    package var qos: Int
    /// Whether the message is meant to be the topic's retained value (the drain may send it without, see
    /// `DrainPlan`).
    package var retain: Bool
    /// Whether only the topic's newest value means anything (a state such as availability or a diagnostics
    /// document, not a time-stamped reading): once a newer message of the topic is stored, this one is not replayed
    /// but finished without being sent (see `DrainPlan`), so a subscriber never sees an old state after a newer one.
    package var latestOnly: Bool

    package init(topic: String, payload: [UInt8], qos: Int, retain: Bool, latestOnly: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.latestOnly = latestOnly
    }

    /// What the message counts against `max_bytes`: topic and payload bytes plus a fixed 32 bytes for the row
    /// (id, flags, time, size) and SQLite's record header.
    package var size: Int { topic.utf8.count + payload.count + 32 }
}

/// A stored message: its id (append order, never reused, also across restarts) and when it was stored.
package struct OutboxEntry: Sendable, Equatable {
    /// The row id: ascending in append order and never reused (SQLite `AUTOINCREMENT`).
    package var id: Int64
    package var message: OutboxMessage
    /// When the message was appended (for `max_age`); the reading's own time is in its payload.
    package var created: Date

    package init(id: Int64, message: OutboxMessage, created: Date) {
        self.id = id
        self.message = message
        self.created = created
    }
}
