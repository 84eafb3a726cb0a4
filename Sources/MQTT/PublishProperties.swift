/// MQTT 5 properties of an outgoing PUBLISH (MQTT 5.0 §3.3.2.3). Ignored when the client speaks MQTT 3.1.1.
package struct PublishProperties: Sendable, Equatable {
    /// The topic the receiver should answer on (property 0x08, Response Topic).
    package var responseTopic: String?
    /// Opaque bytes the receiver copies into its answer (property 0x09, Correlation Data).
    package var correlationData: [UInt8]?
    /// Seconds after which the broker drops the message if undelivered (property 0x02, Message Expiry Interval).
    package var messageExpiry: UInt32?

    package init(responseTopic: String? = nil, correlationData: [UInt8]? = nil, messageExpiry: UInt32? = nil) {
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.messageExpiry = messageExpiry
    }

    /// True when no property is set, so the PUBLISH carries no property list.
    package var isEmpty: Bool { responseTopic == nil && correlationData == nil && messageExpiry == nil }
}
