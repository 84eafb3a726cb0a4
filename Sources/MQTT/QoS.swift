/// The MQTT quality of service of a publication or subscription (MQTT 5.0 §4.3, MQTT 3.1.1 §4.3).
package enum QoS: Int, Sendable, Equatable, Hashable, CaseIterable {
    /// Fire and forget: delivered at most once, no acknowledgement.
    case atMostOnce = 0
    /// Acknowledged with PUBACK: delivered at least once, possibly duplicated.
    case atLeastOnce = 1
    /// Four-way handshake ending in PUBCOMP: delivered exactly once.
    case exactlyOnce = 2
}

/// The MQTT protocol version the client speaks; set with `MOSQ_OPT_PROTOCOL_VERSION` before connecting.
package enum MQTTProtocolVersion: Sendable, Equatable, Hashable {
    /// MQTT 3.1.1 (protocol level 4). Publish properties are ignored.
    case v311
    /// MQTT 5.0 (protocol level 5): reason codes, response topic and correlation data.
    case v5
}
