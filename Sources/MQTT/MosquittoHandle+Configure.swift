import CMosquitto

extension MosquittoHandle {
    /// Applies everything of `configuration` that must be set before connecting: protocol version, credentials,
    /// TLS, will, reconnect back-off and the callbacks.
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
        let lower = max(1, configuration.reconnectDelay.lowerBound.wholeSecondsRoundedUp)
        let upper = max(lower, configuration.reconnectDelay.upperBound.wholeSecondsRoundedUp)
        // mosquitto.h (mosquitto_reconnect_delay_set): "Control the behaviour of the client when it has unexpectedly
        // disconnected in <mosquitto_loop_forever> or after <mosquitto_loop_start>."
        try Self.check(
            mosquitto_reconnect_delay_set(pointer, UInt32(lower), UInt32(upper), true),
            "mosquitto_reconnect_delay_set"
        )
        installCallbacks()
    }

    /// Starts a non-blocking connection attempt; the network thread completes it.
    /// mosquitto.h (mosquitto_connect_async): "If you use <mosquitto_connect_async> your client must use the
    /// threaded interface <mosquitto_loop_start>." and "May be called before or after <mosquitto_loop_start>."
    /// Resolves `host` with getaddrinfo, which may block: call it off the cooperative pool.
    func connectAsync(_ configuration: MQTTClientConfiguration) -> Int32 {
        mosquitto_connect_async(
            pointer,
            configuration.host,
            Int32(configuration.port),
            Int32(configuration.keepAlive.wholeSecondsRoundedUp)
        )
    }
}
