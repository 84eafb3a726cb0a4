import Foundation
import Logging
import MQTT
import TestSupport
import Testing

/// libmosquitto formats a log line for every packet once a log callback is set; the client keeps the callback for
/// connection attempts (where the lines name a failure's cause) and for loggers that show debug lines.
@Suite("libmosquitto's log lines: during attempts always, while connected only for a debug logger")
struct MQTTLibraryLogTests {
    @Test("An info logger: the callback goes at CONNACK, comes back for the reconnect attempts, goes again")
    func infoLoggerDropsLibraryLogWhileConnected() async throws {
        try await withBroker { broker in
            let capture = LogCapture()
            let client = try MQTTClient(
                configuration: configuration(port: broker.port, "liblog-info"),
                logger: capture.logger(level: .info)
            )
            do {
                let states = client.connectionStates()
                try await client.connect(timeout: .seconds(5))
                #expect(client.state == .connected)
                #expect(!client.receivesLibraryLog)

                // The broker goes away: the attempts that follow keep libmosquitto's lines until the next CONNACK.
                await broker.stop()
                _ = try await collect(states) { seen in
                    seen.contains { if case .disconnected = $0 { true } else { false } }
                }
                #expect(await eventually(timeout: .seconds(10)) { client.receivesLibraryLog })
                try await broker.restart()
                #expect(await eventually(timeout: .seconds(10)) { client.state == .connected })
                #expect(!client.receivesLibraryLog)
                try await client.publish(.init(topic: "liblog/after", payload: "ok", qos: .atLeastOnce))
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    @Test("A trace logger keeps libmosquitto's lines while connected: each PUBLISH it sends is logged")
    func traceLoggerKeepsLibraryLog() async throws {
        try await withBroker { broker in
            let capture = LogCapture()
            let client = try MQTTClient(
                configuration: configuration(port: broker.port, "liblog-trace"),
                logger: capture.logger(level: .trace)
            )
            do {
                try await client.connect(timeout: .seconds(5))
                #expect(client.receivesLibraryLog)
                try await client.publish(.init(topic: "liblog/traced", payload: "ok", qos: .atLeastOnce))
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
            let lines = capture.entries.filter { $0.message.hasPrefix("libmosquitto: ") }.map(\.message)
            #expect(lines.contains { $0.contains("sending PUBLISH") && $0.contains("'liblog/traced'") })
        }
    }
}
