import Foundation
import Logging
import MQTT
import Synchronization
import TestSupport

/// A recording MQTT 5 client (our libmosquitto client): every message on its filters, in arrival order, with the
/// time it arrived. Also the requester of command tests (`publish`).
final class MessageLog: Sendable {
    struct Entry: Sendable {
        var message: MQTTMessage
        var arrived: Date
        var topic: String { message.topic }
        var payload: String { message.payloadString }
    }

    /// Shared with the task that drains the message stream.
    private final class Storage: Sendable {
        let entries = Mutex<[Entry]>([])
    }

    let client: MQTTClient
    private let storage = Storage()
    private let task: Task<Void, Never>

    /// - Parameter persistentSession: keep the session on the broker while this client is away (with a persistent
    ///   broker, also across a broker restart), so QoS 1 messages published meanwhile arrive at the reconnect. MQTT
    ///   3.1.1 with clean session off: an MQTT 5 session without an expiry interval would end at the disconnect.
    init(
        port: Int,
        filters: [String],
        clientID: String = "recorder-\(UUID().uuidString.prefix(8))",
        persistentSession: Bool = false
    ) async throws {
        var logger = Logger(label: "recorder")
        logger.logLevel = .error
        var configuration = MQTTClientConfiguration(
            port: port,
            clientID: clientID,
            protocolVersion: persistentSession ? .v311 : .v5,
            cleanSession: !persistentSession
        )
        configuration.reconnectDelay = .seconds(1) ... .seconds(1)
        let client = try MQTTClient(configuration: configuration, logger: logger)
        let stream = client.messages()
        let storage = storage
        task = Task {
            for await message in stream {
                storage.entries.withLock { $0.append(Entry(message: message, arrived: Date())) }
            }
        }
        self.client = client
        try await client.connectAndSubscribe(filters)
    }

    /// Everything received so far.
    var all: [Entry] { storage.entries.withLock { $0 } }

    /// The messages on `topic`, oldest first.
    func on(_ topic: String) -> [Entry] { all.filter { $0.topic == topic } }

    /// The payloads on `topic`, oldest first.
    func payloads(_ topic: String) -> [String] { on(topic).map(\.payload) }

    /// The newest payload on `topic`.
    func last(_ topic: String) -> String? { on(topic).last?.payload }

    /// Publishes a command (QoS 1).
    func publish(
        _ topic: String,
        _ payload: String,
        retain: Bool = false,
        properties: PublishProperties = .init()
    ) async throws {
        try await client.publish(
            MQTTMessageDraft(topic: topic, payload: payload, qos: .atLeastOnce, retain: retain),
            properties: properties
        )
    }

    func shutdown() async {
        await client.shutdown()
        task.cancel()
    }
}
