/// The client's connection to the broker, as seen by `MQTTClient.state` and `connectionStates()`.
package enum MQTTConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// A connection attempt is under way (first `connect`).
    case connecting
    /// The broker accepted the connection (CONNACK success); the birth message and subscriptions were sent.
    case connected
    /// No connection. After a successful first connect, the client's network thread keeps retrying with back-off.
    case disconnected(reason: String)
    /// `shutdown()` ran: the handle is destroyed and the client can no longer be used.
    case shutDown

    package var description: String {
        switch self {
        case .connecting: "connecting"
        case .connected: "connected"
        case .disconnected(let reason): "disconnected (\(reason))"
        case .shutDown: "shut down"
        }
    }
}
