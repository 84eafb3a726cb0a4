import CMosquitto

#if canImport(Glibc)
import Glibc
#endif

/// `mosquitto_lib_init`, run once per process on first use (Swift initializes globals exactly once, thread-safely).
/// mosquitto.h: "Must be called before any other mosquitto functions. This function is *not* thread safe." The
/// lazy global gives the once-only guarantee; `mosquitto_lib_cleanup` is never called (mosquitto-rs `INIT`).
private let libraryInitialization: Int32 = mosquitto_lib_init()

/// A non-owning reference to one `struct mosquitto` and the thin, checked wrappers over the calls the client makes.
///
/// mosquitto.h, Topic: Threads: "libmosquitto provides thread safe operation, with the exception of
/// <mosquitto_lib_init> which is not thread safe." Every call below except `destroy()` may therefore run on any
/// thread concurrently with the client's network thread (`NetworkThread`, in the threaded mode set by
/// `mosquitto_threaded_set`).
// Sendable proof: the pointer is only used through libmosquitto calls, which are thread safe (quoted above), and
// `destroy()` runs exactly once, in `MQTTClient.shutdown()`, after the network thread was joined and after the
// client's lifecycle left `.open` under its mutex, so no other call can reach the pointer afterwards.
struct MosquittoHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Creates a handle whose callbacks receive `context` as their `obj` argument.
    static func make(clientID: String, cleanSession: Bool, context: UnsafeMutableRawPointer) throws(MQTTError) -> Self {
        precondition(libraryInitialization == MOSQ_ERR_SUCCESS.rawValue, "mosquitto_lib_init failed")
        guard let pointer = mosquitto_new(clientID, cleanSession, context) else {
            let code = errno
            throw .libmosquitto(call: "mosquitto_new", code: code, message: String(cString: strerror(code)))
        }
        return Self(pointer: pointer)
    }

    /// Throws `MQTTError.libmosquitto` naming `call` unless `rc` is `MOSQ_ERR_SUCCESS`.
    static func check(_ rc: Int32, _ call: String) throws(MQTTError) {
        guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
        throw .libmosquitto(call: call, code: rc, message: describe(rc))
    }

    /// `mosquitto_strerror`, with the C `errno` text for `MOSQ_ERR_ERRNO` (read on the calling thread right away),
    /// and `libraryGaps`' text where the installed libmosquitto has none ("Unknown error.").
    static func describe(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        let text = String(cString: mosquitto_strerror(rc))
        guard text == unknownErrorText, let gap = libraryGaps[rc] else { return text }
        return gap
    }

    /// What `mosquitto_strerror` returns for a code it has no text for.
    static let unknownErrorText = "Unknown error."

    /// Texts for codes that libmosquitto 2.0.11 (Debian 12) returns but cannot name: a keepalive timeout was
    /// logged as "Unknown error.". Wording after libmosquitto 2.0.15's `mosquitto_strerror` (lib/strings_mosq.c),
    /// the keepalive one saying what happened (lib/util_mosq.c, `mosquitto__check_keepalive`: the keepalive
    /// interval passed with a PINGREQ unanswered, or before the CONNACK came).
    static let libraryGaps: [Int32: String] = [
        MOSQ_ERR_PLUGIN_DEFER.rawValue: "Plugin deferred.",
        MOSQ_ERR_KEEPALIVE.rawValue:
            "Keepalive timeout: no answer from the broker within the keepalive interval (to a PINGREQ or the CONNECT).",
        MOSQ_ERR_LOOKUP.rawValue: "DNS lookup failed.",
        MOSQ_ERR_MALFORMED_PACKET.rawValue: "Malformed packet.",
        MOSQ_ERR_TIMEOUT.rawValue: "Timeout.",
        MOSQ_ERR_RETAIN_NOT_SUPPORTED.rawValue: "Retained messages not supported by the broker.",
        MOSQ_ERR_TOPIC_ALIAS_INVALID.rawValue: "Topic alias invalid.",
        MOSQ_ERR_ADMINISTRATIVE_ACTION.rawValue: "Administrative action.",
        MOSQ_ERR_ALREADY_EXISTS.rawValue: "Already exists.",
    ]

    /// Publishes `draft` with an optional MQTT 5 property list; `mid` receives the message ID.
    /// mosquitto.h (mosquitto_publish_v5): "mid - pointer to an int. If not NULL, the function will set this to the
    /// message id of this particular message."
    func publish(_ draft: MQTTMessageDraft, properties: OpaquePointer?, mid: inout Int32) -> Int32 {
        draft.payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(
                pointer,
                &mid,
                draft.topic,
                Int32(bytes.count),
                bytes.baseAddress,
                Int32(draft.qos.rawValue),
                draft.retain,
                properties
            )
        }
    }

    /// Sends one SUBSCRIBE for `filters`, all at `qos`; `mid` receives the message ID.
    ///
    /// With MQTT 5 the subscription asks for "retain as published" (MQTT 5.0 section 3.8.3.1), so a message that was
    /// published retained keeps its retain flag even when it is forwarded live; the bridge refuses retained command
    /// messages, and without this option a retained command published while it is subscribed would look fresh.
    func subscribe(_ filters: [String], qos: QoS, version: MQTTProtocolVersion, mid: inout Int32) -> Int32 {
        let options = version == .v5 ? Int32(MQTT_SUB_OPT_RETAIN_AS_PUBLISHED.rawValue) : 0
        var cStrings = filters.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        return cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafeMutablePointer<CChar>?.self) { rebound in
                mosquitto_subscribe_multiple(
                    pointer,
                    &mid,
                    Int32(rebound.count),
                    rebound.baseAddress,
                    Int32(qos.rawValue),
                    options,
                    nil
                )
            }
        }
    }

    /// `mosquitto_unsubscribe_multiple`: one UNSUBSCRIBE for `filters`; returns libmosquitto's result code.
    func unsubscribe(_ filters: [String], mid: inout Int32) -> Int32 {
        var cStrings = filters.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        return cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafeMutablePointer<CChar>?.self) { rebound in
                mosquitto_unsubscribe_multiple(pointer, &mid, Int32(rebound.count), rebound.baseAddress, nil)
            }
        }
    }

    /// `mosquitto_destroy`. Call once, after the network thread was joined (`NetworkThread.join`): it frees the
    /// handle and closes a socket still open, and must never be what stops a thread.
    func destroy() {
        mosquitto_destroy(pointer)
    }
}
