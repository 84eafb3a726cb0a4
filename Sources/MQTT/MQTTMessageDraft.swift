/// A message the client is about to publish: also the shape of the will and the birth message.
package struct MQTTMessageDraft: Sendable, Equatable {
    /// The topic name (no wildcards).
    package var topic: String
    /// The payload bytes, sent as is.
    package var payload: [UInt8]
    /// The quality of service of the publication.
    package var qos: QoS
    /// Whether the broker keeps the message as the topic's retained message.
    package var retain: Bool

    package init(topic: String, payload: [UInt8], qos: QoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    /// A draft whose payload is the UTF-8 encoding of `payload`.
    package init(topic: String, payload: String, qos: QoS = .atMostOnce, retain: Bool = false) {
        self.init(topic: topic, payload: Array(payload.utf8), qos: qos, retain: retain)
    }
}
