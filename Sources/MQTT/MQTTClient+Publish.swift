import CMosquitto
import Synchronization

extension MQTTClient {
    /// Publishes `draft`.
    ///
    /// QoS 0 returns once libmosquitto has queued the message for the network thread. QoS 1 and 2 return once the
    /// broker acknowledged it (PUBACK / PUBCOMP, libmosquitto's on_publish); if the connection drops meanwhile,
    /// libmosquitto resends the message after reconnecting and the call keeps waiting. Cancelling the task does not
    /// withdraw the message.
    /// - Parameter properties: MQTT 5 Response Topic, Correlation Data, Message Expiry; ignored on MQTT 3.1.1.
    /// - Throws: `MQTTError.notConnected` when not connected at call time; `MQTTError.publishFailed` when
    ///   libmosquitto rejects the message (topic, payload size) or the broker answers with a failure reason code;
    ///   `MQTTError.shutDown` after `shutdown()` or when it runs before the acknowledgement arrives.
    package func publish(_ draft: MQTTMessageDraft, properties: PublishProperties = .init()) async throws {
        var propertyList: OpaquePointer?
        defer { mosquitto_property_free_all(&propertyList) }
        if context.configuration.protocolVersion == .v5 {
            try Self.add(properties, to: &propertyList)
        }
        let handle = self.handle
        let list = propertyList
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate: Result<Void, MQTTError>? = context.state.withLock { state in
                guard state.lifecycle == .open else { return .failure(.shutDown) }
                guard state.connection == .connected else { return .failure(.notConnected) }
                var mid: Int32 = 0
                // The pending acknowledgement is registered under the same lock held across mosquitto_publish_v5:
                // the network thread may receive the PUBACK and call on_publish before the call returns, and that
                // callback then waits for this lock, so it always finds the continuation (mosquitto-rs client.rs).
                let rc = handle.publish(draft, properties: list, mid: &mid)
                guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                    if rc == MOSQ_ERR_NO_CONN.rawValue { return .failure(.notConnected) }
                    return .failure(.publishFailed("\(draft.topic): \(MosquittoHandle.describe(rc))"))
                }
                guard draft.qos != .atMostOnce else { return .success(()) }
                state.pendingPublishes[mid] = continuation
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    /// Builds the MQTT 5 property list of a PUBLISH; `list` stays nil when `properties` is empty.
    private static func add(_ properties: PublishProperties, to list: inout OpaquePointer?) throws(MQTTError) {
        if let topic = properties.responseTopic {
            try MosquittoHandle.check(
                mosquitto_property_add_string(&list, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), topic),
                "mosquitto_property_add_string(response topic)"
            )
        }
        if let data = properties.correlationData {
            let rc = data.withUnsafeBytes { bytes in
                mosquitto_property_add_binary(
                    &list,
                    Int32(MQTT_PROP_CORRELATION_DATA.rawValue),
                    bytes.baseAddress,
                    UInt16(clamping: bytes.count)
                )
            }
            try MosquittoHandle.check(rc, "mosquitto_property_add_binary(correlation data)")
        }
        if let expiry = properties.messageExpiry {
            try MosquittoHandle.check(
                mosquitto_property_add_int32(&list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry),
                "mosquitto_property_add_int32(message expiry)"
            )
        }
    }
}
