import CMosquitto

/// Why a TLS connection attempt failed, in words that name the cause: an unknown CA, a host name the broker's
/// certificate does not carry, an expired certificate, or what OpenSSL reported otherwise.
///
/// Sources: the X.509 verification result of the handshake (`SSL_get_verify_result` through `mosquitto_ssl_get`)
/// and libmosquitto's own error log lines of the attempt. libmosquitto checks the host name itself, in its
/// certificate verify callback, and reports a mismatch only by the log line "Error: host name verification
/// failed." (OpenSSL then records an unspecified verification error).
enum TLSFailure {
    /// - Parameters:
    ///   - verifyResult: `pro380_tls_verify_result` of the handle, -1 without a TLS session.
    ///   - errorLog: libmosquitto's error lines logged during the attempt, oldest first.
    ///   - host: the broker host the client connected to.
    ///   - caFile: the CA file the client trusts.
    static func describe(verifyResult: Int, errorLog: [String], host: String, caFile: String) -> String {
        let openSSL = errorLog.last { $0.hasPrefix("OpenSSL Error") }.map { " (\($0))" } ?? ""
        if errorLog.contains(where: { $0.contains("host name verification failed") })
            || verifyResult == Int(X509_V_ERR_HOSTNAME_MISMATCH)
        {
            return "TLS: hostname mismatch: the broker's certificate does not name \(host); connect by a name or "
                + "address its subjectAltName lists"
        }
        let text = verifyResult >= 0 ? String(cString: pro380_tls_verify_text(verifyResult)) : "no verification result"
        switch Int32(clamping: verifyResult) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "TLS: unknown CA: the broker's certificate is not signed by a CA in \(caFile) (OpenSSL: \(text))"
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "TLS: the broker's certificate has expired (OpenSSL: \(text))"
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "TLS: the broker's certificate is not valid yet (OpenSSL: \(text))"
        case X509_V_OK, -1:
            // The handshake's `SSL` was freed before its result could be read (it happens on a loaded machine even
            // after the repeats of `startAttempt`): OpenSSL's line still says whether verification failed.
            if errorLog.contains(where: { $0.contains("certificate verify failed") }) {
                return "TLS: the broker's certificate failed verification with the CAs in \(caFile); the cause was "
                    + "not reported (an unknown CA, an expired certificate or one not valid yet)\(openSSL)"
            }
            return "TLS handshake failed\(openSSL)"
        default:
            return "TLS: the broker's certificate was refused (OpenSSL: \(text))\(openSSL)"
        }
    }

    /// A TLS alert or error OpenSSL reported on an established connection (the broker refusing the client's
    /// certificate after the handshake, as TLS 1.3 does), or nil when OpenSSL reported nothing.
    static func describeAlert(errorLog: [String]) -> String? {
        guard let line = errorLog.last(where: { $0.hasPrefix("OpenSSL Error") }) else { return nil }
        if line.contains("certificate required") {
            return "TLS: the broker requires a client certificate (tls.cert_file, tls.key_file): \(line)"
        }
        if line.contains("alert unknown ca") || line.contains("alert bad certificate")
            || line.contains("alert certificate unknown")
        {
            return "TLS: the broker refused the client certificate (not signed by a CA it trusts?): \(line)"
        }
        return "TLS: \(line)"
    }
}
