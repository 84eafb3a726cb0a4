/// Why an MQTT operation failed. Broker answers (refused CONNECT, negative PUBACK/SUBACK) are kept apart from
/// transport failures (unreachable host, lost connection) and from local misuse (not connected, shut down).
package enum MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP (or TLS) connection to the broker could not be made, or no CONNACK came in time.
    case connectFailed(host: String, port: Int, reason: String)
    /// The broker answered CONNECT with a failure reason code (bad credentials, not authorized, ...).
    case connectionRefused(reason: String)
    /// The operation needs a live connection and there is none at the moment.
    case notConnected
    /// The broker refused a QoS 1/2 publication (MQTT 5 PUBACK/PUBREC reason code >= 0x80), or libmosquitto did.
    case publishFailed(String)
    /// The broker refused a subscription (SUBACK reason code >= 0x80), or the connection dropped before SUBACK.
    case subscribeFailed(String)
    /// The TLS settings were rejected (unreadable CA, certificate or key file).
    case tls(String)
    /// `shutdown()` ran, or runs: the client can no longer be used, pending acknowledgements are abandoned.
    case shutDown
    /// Any other libmosquitto call failure: the call, its `MOSQ_ERR_*` code and `mosquitto_strerror`.
    case libmosquitto(call: String, code: Int32, message: String)

    package var description: String {
        switch self {
        case .connectFailed(let host, let port, let reason): "cannot connect to MQTT broker \(host):\(port): \(reason)"
        case .connectionRefused(let reason): "MQTT broker refused the connection: \(reason)"
        case .notConnected: "not connected to the MQTT broker"
        case .publishFailed(let reason): "MQTT publish failed: \(reason)"
        case .subscribeFailed(let reason): "MQTT subscribe failed: \(reason)"
        case .tls(let reason): "MQTT TLS configuration failed: \(reason)"
        case .shutDown: "the MQTT client is shut down"
        case .libmosquitto(let call, let code, let message): "\(call) failed with \(code): \(message)"
        }
    }
}
