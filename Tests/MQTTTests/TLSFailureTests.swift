import CMosquitto
import Testing

@testable import MQTT

/// The words for a refused TLS handshake, from its verification result and libmosquitto's OpenSSL lines.
@Suite("TLS refusals name their cause, or what OpenSSL still said when the cause was freed")
struct TLSFailureTests {
    let verifyFailed = "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed"

    @Test("A verification result names the cause and the CA file")
    func causeFromResult() {
        let reason = TLSFailure.describe(
            verifyResult: Int(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
            errorLog: [verifyFailed],
            host: "broker.example",
            caFile: "/etc/ca.pem"
        )
        #expect(reason.hasPrefix("TLS: unknown CA: the broker's certificate is not signed by a CA in /etc/ca.pem"))
    }

    @Test("Without a result, OpenSSL's 'certificate verify failed' still says verification against the CA file failed")
    func lostResultWithVerifyFailure() {
        let reason = TLSFailure.describe(
            verifyResult: -1,
            errorLog: [verifyFailed],
            host: "broker.example",
            caFile: "/etc/ca.pem"
        )
        #expect(
            reason
                == "TLS: the broker's certificate failed verification with the CAs in /etc/ca.pem; the cause was not "
                + "reported (an unknown CA, an expired certificate or one not valid yet) (\(verifyFailed))"
        )
    }

    @Test("Without a result or a verification line, the handshake failure carries OpenSSL's last line")
    func lostResultOtherwise() {
        let line = "OpenSSL Error[0]: error:0A00010B:SSL routines::wrong version number"
        let reason = TLSFailure.describe(verifyResult: -1, errorLog: [line], host: "h", caFile: "/etc/ca.pem")
        #expect(reason == "TLS handshake failed (\(line))")
    }
}
