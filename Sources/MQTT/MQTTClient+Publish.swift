import CMosquitto
import Synchronization

/// The message ID of one `publish` or `subscribe` call's pending acknowledgement, for its cancellation handler.
/// Read and written only while the client's state lock is held (lock order: state, then this).
final class AcknowledgementWaiter: Sendable {
    let mid = Mutex<Int32?>(nil)
}

extension MQTTClient {
    /// Publishes `draft`.
    ///
    /// QoS 0 returns once libmosquitto has queued the message for the network thread. QoS 1 and 2 return once the
    /// broker acknowledged it (PUBACK / PUBCOMP, libmosquitto's on_publish); if the connection drops meanwhile,
    /// libmosquitto resends the message after reconnecting and the call keeps waiting. Cancelling the task ends
    /// the wait with `CancellationError` but does not withdraw the message: libmosquitto may still deliver it, so
    /// a caller that publishes it again later may deliver it twice (QoS 1 allows duplicates).
    /// - Parameter properties: MQTT 5 Response Topic, Correlation Data, Message Expiry; ignored on MQTT 3.1.1.
    /// - Throws: `MQTTError.notConnected` when not connected at call time; `MQTTError.publishFailed` when
    ///   libmosquitto rejects the message (topic, payload size) or the broker answers with a failure reason code;
    ///   `MQTTError.shutDown` after `shutdown()` or when it runs before the acknowledgement arrives;
    ///   `CancellationError` when the task is cancelled before the acknowledgement.
    package func publish(_ draft: MQTTMessageDraft, properties: PublishProperties = .init()) async throws {
        var propertyList: OpaquePointer?
        defer { mosquitto_property_free_all(&propertyList) }
        if context.configuration.protocolVersion == .v5 {
            try Self.add(properties, to: &propertyList)
        }
        let (context, handle) = (self.context, self.handle)
        let list = propertyList
        let waiter = AcknowledgementWaiter()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = context.state.withLock { state in
                    guard state.lifecycle == .open else { return .failure(MQTTError.shutDown) }
                    guard state.connection == .connected else { return .failure(MQTTError.notConnected) }
                    guard !Task.isCancelled else { return .failure(CancellationError()) }
                    var mid: Int32 = 0
                    // Raised before the hand-off: on_publish may run before the call returns (see below).
                    context.handingOver(draft.qos)
                    // The pending acknowledgement is registered under the same lock held across mosquitto_publish_v5:
                    // the network thread may receive the PUBACK and call on_publish before the call returns, and that
                    // callback then waits for this lock, so it always finds the continuation (mosquitto-rs client.rs).
                    let rc = handle.publish(draft, properties: list, mid: &mid)
                    guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                        context.notHandedOver(draft.qos)
                        if rc == MOSQ_ERR_NO_CONN.rawValue { return .failure(MQTTError.notConnected) }
                        return .failure(MQTTError.publishFailed("\(draft.topic): \(MosquittoHandle.describe(rc))"))
                    }
                    guard draft.qos != .atMostOnce else { return .success(()) }
                    state.pendingPublishes[mid] = .single(continuation)
                    waiter.mid.withLock { $0 = mid }
                    return nil
                }
                context.wakeNetwork()
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            // Not under `state` here: see `ClientContext.cancellationQueue`.
            context.withStateLater { state in
                guard let mid = waiter.mid.withLock({ $0 }),
                    case .single(let continuation) = state.pendingPublishes[mid]
                else { return }
                state.pendingPublishes.removeValue(forKey: mid)
                context.acknowledgementsDue.remove()
                continuation.resume(throwing: CancellationError())
            }
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
