/// A message received on a subscription, copied out of libmosquitto's callback before it returned.
package struct MQTTMessage: Sendable, Equatable {
    /// The topic the message was published on.
    package var topic: String
    /// The payload bytes.
    package var payload: [UInt8]
    /// The quality of service the message was delivered with.
    package var qos: QoS
    /// True when the broker sent it as the retained message of the topic (on subscribing).
    package var retain: Bool
    /// The MQTT 5 Response Topic property (0x08), if the publisher set one. Always nil on MQTT 3.1.1.
    package var responseTopic: String?
    /// The MQTT 5 Correlation Data property (0x09), if the publisher set one. Always nil on MQTT 3.1.1.
    package var correlationData: [UInt8]?

    package init(
        topic: String,
        payload: [UInt8],
        qos: QoS = .atMostOnce,
        retain: Bool = false,
        responseTopic: String? = nil,
        correlationData: [UInt8]? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.responseTopic = responseTopic
        self.correlationData = correlationData
    }

    /// The payload decoded as UTF-8, invalid sequences repaired with U+FFFD.
    package var payloadString: String { String(decoding: payload, as: UTF8.self) }
}
