import CMosquitto

extension MosquittoHandle {
    /// Applies everything of `configuration` that must be set before connecting: protocol version, credentials,
    /// TLS, will, threaded mode and the callbacks. (The back-off is the client's own: `ConnectionStateMachine`.)
    /// - Throws: `MQTTError.tls` for rejected TLS files, `MQTTError.libmosquitto` for any other rejected setting.
    func configure(_ configuration: MQTTClientConfiguration) throws(MQTTError) {
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try Self.check(
            mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)),
            "mosquitto_int_option(MOSQ_OPT_PROTOCOL_VERSION)"
        )
        if configuration.username != nil || configuration.password != nil {
            try Self.check(
                mosquitto_username_pw_set(pointer, configuration.username, configuration.password),
                "mosquitto_username_pw_set"
            )
        }
        if let tls = configuration.tls {
            let rc = mosquitto_tls_set(pointer, tls.caFile, nil, tls.certFile, tls.keyFile, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw .tls(
                    "mosquitto_tls_set(caFile: \(tls.caFile), certFile: \(tls.certFile ?? "-"), "
                        + "keyFile: \(tls.keyFile ?? "-")): \(Self.describe(rc))"
                )
            }
            if tls.insecureSkipHostnameCheck {
                try Self.check(mosquitto_tls_insecure_set(pointer, true), "mosquitto_tls_insecure_set")
            }
        }
        if let will = configuration.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(
                    pointer,
                    will.topic,
                    Int32(bytes.count),
                    bytes.baseAddress,
                    Int32(will.qos.rawValue),
                    will.retain
                )
            }
            try Self.check(rc, "mosquitto_will_set")
        }
        // mosquitto.h (mosquitto_threaded_set): "Used to tell the library that your application is using threads,
        // but not using <mosquitto_loop_start>. [...] If you are managing your own threads and do not use this
        // function you will experience crashes due to race conditions." The client runs its own network thread
        // (`NetworkThread`); in this mode a publish from another thread only queues the packet and wakes that
        // thread's select(), as with `mosquitto_loop_start`.
        try Self.check(mosquitto_threaded_set(pointer, true), "mosquitto_threaded_set")
        installCallbacks()
    }

    /// Starts the first non-blocking connection attempt; the network thread's `mosquitto_loop` completes it.
    /// mosquitto.h (mosquitto_connect_async): "If you use <mosquitto_connect_async> your client must use the
    /// threaded interface <mosquitto_loop_start>." The reason is that a client that is not threaded writes packets
    /// from the calling thread at once (before the socket has connected); `mosquitto_threaded_set` (in
    /// `configure`) puts the client in the same queue-only mode as `mosquitto_loop_start` does, and the network
    /// thread then runs `mosquitto_loop` as `mosquitto_loop_forever` would. Resolves `host` with getaddrinfo,
    /// which may block: the network thread calls it, never the cooperative pool.
    func connectAsync(_ configuration: MQTTClientConfiguration) -> Int32 {
        mosquitto_connect_async(
            pointer,
            configuration.host,
            Int32(configuration.port),
            Int32(configuration.keepAlive.wholeSecondsRoundedUp)
        )
    }

    /// Starts a further attempt with the host, port and keep-alive of `connectAsync`, closing the previous socket.
    /// mosquitto.h (mosquitto_reconnect_async): "Reconnect to a broker. Non blocking version of
    /// <mosquitto_reconnect>." and "It must not be called before <mosquitto_connect>."
    func reconnectAsync() -> Int32 {
        mosquitto_reconnect_async(pointer)
    }
}
