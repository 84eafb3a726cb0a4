import Foundation
import MQTT
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("MQTT connect failures, credentials, TLS and shutdown against a real mosquitto")
struct MQTTConnectionTests {
    @Test("Wrong credentials are refused, right ones accepted", arguments: [MQTTProtocolVersion.v5, .v311])
    func credentials(version: MQTTProtocolVersion) async throws {
        try await withBroker(access: .passwords(["bridge": "s3cret"])) { broker in
            var config = configuration(port: broker.port, "creds", protocolVersion: version)
            config.username = "bridge"
            config.password = "wrong"
            try await withClient(config, connect: false) { client in
                let error = await #expect(throws: MQTTError.self) { try await client.connect(timeout: .seconds(5)) }
                guard case .connectionRefused = error else {
                    Issue.record("expected connectionRefused, got \(String(describing: error))")
                    return
                }
                guard case .disconnected = client.state else {
                    Issue.record("state after refusal: \(client.state)")
                    return
                }
            }
            config.password = "s3cret"
            try await withClient(config) { client in
                try await client.publish(.init(topic: "ok", payload: "1", qos: .atLeastOnce))
            }
        }
    }

    @Test("Nothing listening: connectFailed from the socket, not from the CONNACK timeout")
    func unreachable() async throws {
        let port = TestEnvironment.freeLoopbackPort()
        try await withClient(configuration(port: port, "unreachable"), connect: false) { client in
            let error = await #expect(throws: MQTTError.self) { try await client.connect(timeout: .seconds(30)) }
            guard case .connectFailed(let host, let failedPort, let reason) = error else {
                Issue.record("expected connectFailed, got \(String(describing: error))")
                return
            }
            #expect(host == "127.0.0.1" && failedPort == port)
            #expect(!reason.contains("no CONNACK"))
        }
    }

    @Test("shutdown is idempotent, fails a never-acknowledged QoS 1 publish, ends streams and the network thread")
    func shutdown() async throws {
        try await withBroker { broker in
            let client = try MQTTClient(configuration: configuration(port: broker.port, "shutdown"), logger: testLogger)
            let states = client.connectionStates()
            let messages = client.messages()
            try await client.connect()
            let thread = try #require(client.networkThreadID)
            #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"))

            broker.pause()
            let pending = Task {
                try await client.publish(.init(topic: "never/acked", payload: "1", qos: .atLeastOnce))
            }
            async let first: Void = client.shutdown()
            async let second: Void = client.shutdown()
            _ = await (first, second)
            await client.shutdown()
            broker.resume()

            await #expect(throws: MQTTError.shutDown) { try await pending.value }
            await #expect(throws: MQTTError.shutDown) { try await client.publish(.init(topic: "a", payload: "b")) }
            await #expect(throws: MQTTError.shutDown) { try await client.connect() }
            #expect(client.state == .shutDown)
            #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"))
            var seen: [MQTTConnectionState] = []
            for await state in states { seen.append(state) }
            #expect(seen.last == .shutDown)
            for await message in messages { Issue.record("unexpected \(message)") }
            var late: [MQTTConnectionState] = []
            for await state in client.connectionStates() { late.append(state) }
            #expect(late == [.shutDown])
        }
    }
}
