package import Foundation

/// A throwaway certificate authority with the server and client certificates it signed, made with `openssl` for
/// TLS tests; plus an unrelated CA with a client certificate of its own, and a server certificate for another host.
package struct TestCertificates: Sendable {
    /// PEM certificate of the CA (what a client trusts).
    package var caFile: String
    /// PEM server certificate: CN localhost, subjectAltName DNS:localhost and IP:127.0.0.1, valid one day.
    package var serverCertFile: String
    /// PEM private key of the server certificate, unencrypted.
    package var serverKeyFile: String
    /// A second CA: trusting it must make the TLS handshake with the broker fail (unknown CA).
    package var unrelatedCAFile: String
    /// A server certificate the CA signed for another host (CN and subjectAltName `other.invalid` only): a client
    /// connecting to 127.0.0.1 must refuse it (hostname mismatch).
    package var wrongNameCertFile: String
    /// The private key of `wrongNameCertFile`.
    package var wrongNameKeyFile: String
    /// A client certificate the CA signed (CN pro380-bridge), for brokers with `require_certificate true`.
    package var clientCertFile: String
    /// The private key of `clientCertFile`.
    package var clientKeyFile: String
    /// A client certificate the unrelated CA signed: a broker trusting only the CA must refuse it.
    package var strangerCertFile: String
    /// The private key of `strangerCertFile`.
    package var strangerKeyFile: String

    /// Generates the files in `directory` (P-256 keys, so it takes well under a second).
    package static func make(in directory: URL) async throws -> TestCertificates {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let ext = path("server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: ext, atomically: true, encoding: .utf8)
        let wrongExt = path("wrong.ext")
        try "subjectAltName=DNS:other.invalid\n".write(toFile: wrongExt, atomically: true, encoding: .utf8)
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        /// A key and CSR for `name`, then the certificate `ca` signs for it.
        func signed(_ name: String, subject: String, by ca: String, extensions: String?) -> [[String]] {
            [
                ["req"] + ecKey + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject],
                [
                    "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).crt"), "-CAkey", path("\(ca).key"),
                    "-CAcreateserial", "-out", path("\(name).crt"), "-days", "1",
                ] + (extensions.map { ["-extfile", $0] } ?? []),
            ]
        }
        let steps: [[String]] =
            [
                ["req", "-x509"] + ecKey + [
                    "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "1", "-subj", "/CN=pro380-test-ca",
                ],
                ["req", "-x509"] + ecKey + [
                    "-keyout", path("other-ca.key"), "-out", path("other-ca.crt"), "-days", "1", "-subj",
                    "/CN=other-ca",
                ],
            ]
            + signed("server", subject: "/CN=localhost", by: "ca", extensions: ext)
            + signed("wrong-name", subject: "/CN=other.invalid", by: "ca", extensions: wrongExt)
            + signed("client", subject: "/CN=pro380-bridge", by: "ca", extensions: nil)
            + signed("stranger", subject: "/CN=pro380-bridge", by: "other-ca", extensions: nil)
        for arguments in steps {
            let openssl = try ChildProcess("/usr/bin/openssl", arguments)
            guard await openssl.waitForExit() == 0 else {
                throw ChildProcessError(commandLine: openssl.commandLine, output: openssl.lines, reason: "failed")
            }
        }
        return TestCertificates(
            caFile: path("ca.crt"),
            serverCertFile: path("server.crt"),
            serverKeyFile: path("server.key"),
            unrelatedCAFile: path("other-ca.crt"),
            wrongNameCertFile: path("wrong-name.crt"),
            wrongNameKeyFile: path("wrong-name.key"),
            clientCertFile: path("client.crt"),
            clientKeyFile: path("client.key"),
            strangerCertFile: path("stranger.crt"),
            strangerKeyFile: path("stranger.key")
        )
    }
}
