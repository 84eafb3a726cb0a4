package import Foundation

/// A throwaway certificate authority and a server certificate it signed, made with `openssl` for TLS tests.
package struct TestCertificates: Sendable {
    /// PEM certificate of the CA (what a client trusts).
    package var caFile: String
    /// PEM server certificate: CN localhost, subjectAltName DNS:localhost and IP:127.0.0.1, valid one day.
    package var serverCertFile: String
    /// PEM private key of the server certificate, unencrypted.
    package var serverKeyFile: String
    /// A second CA that signed nothing: trusting it must make the TLS handshake fail.
    package var unrelatedCAFile: String

    /// Generates the files in `directory` (P-256 keys, so it takes well under a second).
    package static func make(in directory: URL) async throws -> TestCertificates {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let ext = path("server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: ext, atomically: true, encoding: .utf8)
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + ecKey + [
                "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "1", "-subj", "/CN=pro380-test-ca",
            ],
            ["req", "-x509"] + ecKey + [
                "-keyout", path("other-ca.key"), "-out", path("other-ca.crt"), "-days", "1", "-subj", "/CN=other-ca",
            ],
            ["req"] + ecKey + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-out", path("server.crt"), "-days", "1", "-extfile", ext,
            ],
        ]
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
            unrelatedCAFile: path("other-ca.crt")
        )
    }
}
