/// Everything `MQTTClient` needs to reach a broker: address, identity, credentials, TLS, will, birth and back-off.
///
/// Every key has a default except `clientID`:
/// - `host` "127.0.0.1", `port` 1883: the broker.
/// - `clientID`: the MQTT client identifier; must be unique per broker (a second client with the same ID takes the
///   session over and the broker disconnects the first).
/// - `keepAlive` 30 s: the PINGREQ interval; libmosquitto accepts 0 (off) or at least 5 s. Rounded up to seconds.
/// - `username`, `password` nil: sent in CONNECT (`mosquitto_username_pw_set`).
/// - `tls` nil: plain TCP; set it for TLS (`mosquitto_tls_set`).
/// - `protocolVersion` `.v5`.
/// - `will` nil: the message the broker publishes when the connection dies without a DISCONNECT.
/// - `birth` nil: the message the client publishes itself after every successful (re)connect, before anything else.
/// - `reconnectDelay` 1 s ... 30 s: the back-off between connection attempts, doubling from the lower bound up to
///   the upper one, back to the lower bound after a successful connection (`ConnectionStateMachine`).
/// - `connectTimeout` 10 s: how long one attempt may take from the TCP connect to the CONNACK; an attempt without
///   a CONNACK by then is abandoned, logged and retried after the back-off (a broker that accepts TCP and never
///   answers). libmosquitto's keep-alive ends an attempt after `keepAlive` as well, whichever comes first.
/// - `cleanSession` true: start without a stored session (clean start on MQTT 5).
package struct MQTTClientConfiguration: Sendable, Equatable {
    /// TLS settings passed to `mosquitto_tls_set`.
    package struct TLSConfiguration: Sendable, Equatable {
        /// PEM file of the certificate authorities that sign the broker's certificate.
        package var caFile: String
        /// PEM client certificate, for brokers that require one (`require_certificate true`).
        package var certFile: String?
        /// PEM private key of `certFile`, unencrypted.
        package var keyFile: String?
        /// Skip the check that the broker's certificate names `host` (`mosquitto_tls_insecure_set`); the chain is
        /// still verified against `caFile`. Logged as a warning when the client is made. For tests only.
        package var insecureSkipHostnameCheck: Bool

        package init(
            caFile: String,
            certFile: String? = nil,
            keyFile: String? = nil,
            insecureSkipHostnameCheck: Bool = false
        ) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecureSkipHostnameCheck = insecureSkipHostnameCheck
        }
    }

    package var host: String
    package var port: Int
    package var clientID: String
    package var keepAlive: Duration
    package var username: String?
    package var password: String?
    package var tls: TLSConfiguration?
    package var protocolVersion: MQTTProtocolVersion
    package var will: MQTTMessageDraft?
    package var birth: MQTTMessageDraft?
    package var reconnectDelay: ClosedRange<Duration>
    package var connectTimeout: Duration
    package var cleanSession: Bool

    package init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        clientID: String,
        keepAlive: Duration = .seconds(30),
        username: String? = nil,
        password: String? = nil,
        tls: TLSConfiguration? = nil,
        protocolVersion: MQTTProtocolVersion = .v5,
        will: MQTTMessageDraft? = nil,
        birth: MQTTMessageDraft? = nil,
        reconnectDelay: ClosedRange<Duration> = .seconds(1) ... .seconds(30),
        connectTimeout: Duration = .seconds(10),
        cleanSession: Bool = true
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.tls = tls
        self.protocolVersion = protocolVersion
        self.will = will
        self.birth = birth
        self.reconnectDelay = reconnectDelay
        self.connectTimeout = connectTimeout
        self.cleanSession = cleanSession
    }
}

/// The TLS settings type, also reachable without the `MQTTClientConfiguration.` prefix.
package typealias TLSConfiguration = MQTTClientConfiguration.TLSConfiguration

extension Duration {
    /// Whole seconds, rounded up, as libmosquitto's `int`/`unsigned int` second parameters want them.
    var wholeSecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
