import CMosquitto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `@convention(c)` callbacks libmosquitto calls on its network thread.
///
/// Each is a closure literal that captures nothing: it finds the `ClientContext` through the `obj` pointer given to
/// `mosquitto_new`, copies the C data it needs (topic, payload, message ID, reason codes, MQTT 5 properties) into
/// Swift values before returning, and hands them to the context. mosquitto.h (on_message): "This variable and
/// associated memory will be freed by the library after the callback completes. The client should make copies of
/// any of the data it requires."
extension MosquittoHandle {
    func installCallbacks() {
        mosquitto_connect_v5_callback_set(pointer) { mosq, obj, rc, _, _ in
            guard let mosq else { return }
            packetContext(obj).handleConnect(MosquittoHandle(pointer: mosq), rc: rc)
        }
        mosquitto_disconnect_v5_callback_set(pointer) { _, obj, rc, _ in
            packetContext(obj).handleDisconnect(rc: rc)
        }
        mosquitto_publish_v5_callback_set(pointer) { _, obj, mid, reasonCode, _ in
            packetContext(obj).handlePublish(mid: mid, reasonCode: reasonCode)
        }
        mosquitto_subscribe_v5_callback_set(pointer) { _, obj, mid, count, grantedQoS, _ in
            let granted = grantedQoS.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            packetContext(obj).handleSubscribe(mid: mid, granted: granted)
        }
        mosquitto_message_v5_callback_set(pointer) { _, obj, message, properties in
            guard let message = message?.pointee else { return }
            let copy = MQTTMessage(
                topic: message.topic.map { String(cString: $0) } ?? "",
                payload: message.payload.map {
                    Array(UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen)))
                } ?? [],
                qos: QoS(rawValue: Int(message.qos)) ?? .atMostOnce,
                retain: message.retain,
                responseTopic: readString(properties, identifier: MQTT_PROP_RESPONSE_TOPIC),
                correlationData: readBinary(properties, identifier: MQTT_PROP_CORRELATION_DATA)
            )
            packetContext(obj).handleMessage(copy)
        }
        setLibraryLog(true)
    }

    /// Installs or removes the log callback (`ClientContext.libraryLogWhileConnected` says when; call it through
    /// `ClientContext.setLibraryLog`, which records the state).
    ///
    /// Why it is not always installed: with a log callback set, libmosquitto formats a line for every packet it
    /// sends or receives ("Client ... sending PUBLISH (d0, q0, r1, m12, 'topic', ... (63 bytes))", one for every
    /// PUBACK) into a fresh 500-byte buffer with `vsnprintf` before the callback can decide to drop it
    /// (lib/logging_mosq.c, `log__printf`): 3.6 % of the bridge's CPU at QoS 0 and 9 % at QoS 1 with one meter
    /// every 100 ms (docs/performance.md, stop 21), spent on debug lines nobody reads. mosquitto_log_callback_set
    /// takes the library's log lock, so this is safe from any thread while others publish.
    func setLibraryLog(_ installed: Bool) {
        guard installed else {
            mosquitto_log_callback_set(pointer, nil)
            return
        }
        mosquitto_log_callback_set(pointer) { _, obj, level, text in
            context(obj).handleLog(level: level, text: text.map { String(cString: $0) } ?? "")
        }
    }
}

/// The context behind `obj`; the retained reference taken in `MQTTClient.init` keeps it alive.
private func context(_ obj: UnsafeMutableRawPointer?) -> ClientContext {
    guard let obj else { preconditionFailure("libmosquitto callback without the user-data pointer") }
    return Unmanaged<ClientContext>.fromOpaque(obj).takeUnretainedValue()
}

/// The context behind `obj`, for a callback that reports a packet handled: counted in `packetsHandled`.
private func packetContext(_ obj: UnsafeMutableRawPointer?) -> ClientContext {
    let context = context(obj)
    context.packetsHandled.add(1, ordering: .relaxed)
    return context
}

/// A copy of an MQTT 5 string property; the string libmosquitto allocates for it is freed here.
private func readString(_ properties: OpaquePointer?, identifier: mqtt5_property) -> String? {
    var value: UnsafeMutablePointer<CChar>?
    guard mosquitto_property_read_string(properties, Int32(identifier.rawValue), &value, false) != nil, let value
    else { return nil }
    defer { free(value) }
    return String(cString: value)
}

/// A copy of an MQTT 5 binary property; the buffer libmosquitto allocates for it is freed here.
private func readBinary(_ properties: OpaquePointer?, identifier: mqtt5_property) -> [UInt8]? {
    var value: UnsafeMutableRawPointer?
    var length: UInt16 = 0
    guard mosquitto_property_read_binary(properties, Int32(identifier.rawValue), &value, &length, false) != nil
    else { return nil }
    defer { free(value) }
    return value.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
}
