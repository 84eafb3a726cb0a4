import CMosquitto
import Testing

@testable import MQTT

/// Every `MOSQ_ERR_*` code the bridge may log has a text of its own, including those libmosquitto 2.0.11 cannot
/// name (a keepalive timeout was logged as "Unknown error.").
@Suite struct MosquittoErrorTextTests {
    @Test func keepaliveTimeoutIsNamed() {
        let text = MosquittoHandle.describe(MOSQ_ERR_KEEPALIVE.rawValue)
        #expect(text.hasPrefix("Keepalive timeout"))
    }

    @Test func everyCodeButUnknownHasAText() {
        let codes = (MOSQ_ERR_AUTH_CONTINUE.rawValue...MOSQ_ERR_ALREADY_EXISTS.rawValue)
            .filter { $0 != MOSQ_ERR_UNKNOWN.rawValue && $0 != MOSQ_ERR_ERRNO.rawValue }
        for code in codes {
            #expect(MosquittoHandle.describe(code) != MosquittoHandle.unknownErrorText, "MOSQ_ERR code \(code)")
        }
    }

    @Test func theLibrarysOwnTextIsKept() {
        #expect(MosquittoHandle.describe(MOSQ_ERR_CONN_LOST.rawValue) == "The connection was lost.")
    }
}
