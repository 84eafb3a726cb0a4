import Foundation
import Logging
import MQTT
import TestSupport
import Testing

/// TLS against a real mosquitto TLS listener, with a CA, server and client certificates made by openssl for the
/// test (`TestCertificates`). Verification is on unless `insecureSkipHostnameCheck` says otherwise, and every
/// refusal names its cause.
@Suite("MQTT over TLS against a real mosquitto: verification, causes of refusal, mutual TLS, credentials")
struct MQTTTLSTests {
    /// Connects and expects `connectFailed`; returns its reason.
    func refusal(_ config: MQTTClientConfiguration, logger: Logger = testLogger) async throws -> String {
        let client = try MQTTClient(configuration: config, logger: logger)
        do {
            try await client.connect(timeout: .seconds(10))
            Issue.record("connected, expected a refusal")
            await client.shutdown()
            return ""
        } catch let error as MQTTError {
            await client.shutdown()
            guard case .connectFailed(_, _, let reason) = error else {
                Issue.record("expected connectFailed, got \(error)")
                return "\(error)"
            }
            return reason
        }
    }

    @Test("A broker refused at every attempt (an unrelated CA): each of libmosquitto's error lines once at error level")
    func repeatedRefusalLogsItsCauseOnce() async throws {
        try await withBroker(tls: true) { broker in
            let certificates = try #require(broker.certificates)
            var config = configuration(port: broker.port, "tls-repeat")
            config.tls = .init(caFile: certificates.unrelatedCAFile)
            let capture = LogCapture()
            let client = try MQTTClient(configuration: config, logger: capture.logger(level: .debug))
            // As the bridge's first-connection loop does: the same client tries again after each refusal.
            for _ in 0..<3 {
                await #expect(throws: MQTTError.self) { try await client.connect(timeout: .seconds(10)) }
            }
            let library = { capture.entries.filter { $0.message.hasPrefix("libmosquitto: ") } }
            let repeated = library().filter { $0.level == .debug && $0.message.contains("OpenSSL") }.count >= 2
            await client.shutdown()
            #expect(repeated, "\(library().map { "\($0.level) \($0.message)" })")
            let errors = library().filter { $0.level == .error }.map(\.message)
            #expect(!errors.isEmpty)
            #expect(Set(errors).count == errors.count, "each line once at error level: \(errors)")
        }
    }

    @Test("Verification is on by default: the test CA connects, an unrelated CA is refused as an unknown CA")
    func unknownCA() async throws {
        #expect(TLSConfiguration(caFile: "ca.pem").insecureSkipHostnameCheck == false)
        try await withBroker(tls: true) { broker in
            let certificates = try #require(broker.certificates)
            var config = configuration(port: broker.port, "tls")
            config.tls = .init(caFile: certificates.caFile)
            try await withClient(config) { client in
                try await client.publish(.init(topic: "tls/ok", payload: "1", qos: .atLeastOnce))
            }
            config.tls = .init(caFile: certificates.unrelatedCAFile)
            let reason = try await refusal(config)
            // The cause itself, or (when the handshake's result was freed before it could be read, as happens on a
            // loaded machine) the failed verification against this CA file.
            #expect(
                reason.contains("TLS: unknown CA:") || reason.contains("failed verification with the CAs in"),
                "\(reason)"
            )
            #expect(reason.contains(certificates.unrelatedCAFile), "\(reason)")
            #expect(!reason.contains("hostname"), "\(reason)")
        }
    }

    @Test("A certificate for another host is refused as a hostname mismatch; insecure connects, with a warning")
    func hostnameMismatch() async throws {
        try await withBroker(tls: true, tlsOptions: .init(wrongHostname: true)) { broker in
            let certificates = try #require(broker.certificates)
            var config = configuration(port: broker.port, "tls-name")
            config.tls = .init(caFile: certificates.caFile)
            let reason = try await refusal(config)
            #expect(reason.contains("hostname mismatch"), "\(reason)")
            #expect(reason.contains("127.0.0.1"), "\(reason)")
            #expect(!reason.contains("unknown CA"), "\(reason)")

            let capture = LogCapture()
            config.tls = .init(caFile: certificates.caFile, insecureSkipHostnameCheck: true)
            let client = try MQTTClient(configuration: config, logger: capture.logger(level: .info))
            try await client.connect(timeout: .seconds(10))
            try await client.publish(.init(topic: "tls/insecure", payload: "1", qos: .atLeastOnce))
            await client.shutdown()
            let warnings = capture.messages(atLeast: .warning)
            #expect(warnings.contains { $0.contains("TLS host name verification is off") }, "\(warnings)")
        }
    }

    @Test("Mutual TLS: the CA's client certificate gets in; none, or one from another CA, is refused")
    func mutualTLS() async throws {
        try await withBroker(tls: true, tlsOptions: .init(requireClientCertificate: true)) { broker in
            let certificates = try #require(broker.certificates)
            var config = configuration(port: broker.port, "mtls")
            config.tls = .init(
                caFile: certificates.caFile,
                certFile: certificates.clientCertFile,
                keyFile: certificates.clientKeyFile
            )
            try await withClient(config) { client in
                try await client.publish(.init(topic: "tls/mutual", payload: "1", qos: .atLeastOnce))
            }
            for (name, cert, key) in [
                ("no client certificate", nil, nil),
                ("another CA's certificate", certificates.strangerCertFile, certificates.strangerKeyFile),
            ] {
                config.tls = .init(caFile: certificates.caFile, certFile: cert, keyFile: key)
                let reason = try await refusal(config)
                #expect(!reason.isEmpty, "\(name)")
                #expect(reason.contains("TLS"), "\(name): \(reason)")
            }
        }
    }

    @Test("A missing CA file is a tls error when the client is made")
    func missingCAFile() throws {
        var config = configuration(port: 1, "tls-missing")
        config.tls = .init(caFile: "/nonexistent/ca.crt")
        #expect {
            _ = try MQTTClient(configuration: config, logger: testLogger)
        } throws: { error in
            if case .tls = error as? MQTTError { true } else { false }
        }
    }

    @Test("The password appears in no log line at any level, over TLS, refused or accepted")
    func passwordNeverLogged() async throws {
        let password = "pw-\(UUID().uuidString)"
        try await withBroker(access: .passwords(["bridge": password]), tls: true) { broker in
            let certificates = try #require(broker.certificates)
            let capture = LogCapture()
            var config = configuration(port: broker.port, "secret")
            config.tls = .init(caFile: certificates.caFile)
            config.username = "bridge"
            config.password = password + "-wrong"
            let refused = try MQTTClient(configuration: config, logger: capture.logger(level: .trace))
            await #expect(throws: MQTTError.self) { try await refused.connect(timeout: .seconds(10)) }
            await refused.shutdown()
            config.password = password
            let client = try MQTTClient(configuration: config, logger: capture.logger(level: .trace))
            try await client.connect(timeout: .seconds(10))
            try await client.publish(.init(topic: "secret/ok", payload: "1", qos: .atLeastOnce))
            await client.shutdown()
            let entries = capture.entries
            #expect(entries.contains { $0.level == .trace && $0.message.contains("CONNECT") }, "trace was not captured")
            for entry in entries {
                let text = entry.message + " " + entry.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                #expect(!text.contains(password), "password in a \(entry.level) log line: \(entry.message)")
            }
        }
    }

    /// libmosquitto takes a refused TCP connect under TLS for a handshake still under way; the client finds the
    /// closed socket itself, so a port nobody listens on is "Connection refused" at once, with TLS as without, both
    /// for the first connect and for the reconnects after the broker went away (before: "no CONNACK within" the
    /// connect timeout, here a minute, which the test's 30 s wait would not see).
    @Test("TLS to a closed port says Connection refused, first connect and reconnects, not no CONNACK")
    func closedPortIsRefusedUnderTLS() async throws {
        let broker = try await MosquittoBroker(tls: true)
        let certificates = try #require(broker.certificates)
        var config = configuration(port: broker.port, "tls-closed")
        config.tls = .init(caFile: certificates.caFile)
        config.connectTimeout = .seconds(60)
        config.reconnectDelay = .seconds(1) ... .seconds(1)
        let capture = LogCapture()
        let client = try MQTTClient(configuration: config, logger: capture.logger(level: .debug))
        try await client.connect(timeout: .seconds(10))
        await broker.stop()
        let refusedReconnect = await eventually(timeout: .seconds(30)) {
            capture.entries.contains { ($0.metadata["reason"] ?? "").contains("Connection refused") }
        }
        #expect(refusedReconnect, "\(capture.entries.map { "\($0.message) \($0.metadata)" })")
        #expect(!capture.entries.contains { ($0.metadata["reason"] ?? "").contains("no CONNACK") })
        await client.shutdown()

        let first = try MQTTClient(configuration: config, logger: testLogger)
        do {
            try await first.connect(timeout: .seconds(60))
            Issue.record("connected to a closed port")
        } catch let error as MQTTError {
            guard case .connectFailed(_, let port, let reason) = error else {
                Issue.record("expected connectFailed, got \(error)")
                await first.shutdown()
                await broker.stopAndRemove()
                return
            }
            #expect(port == broker.port)
            #expect(reason == "Connection refused", "\(reason)")
        }
        await first.shutdown()
        await broker.stopAndRemove()
    }
}
