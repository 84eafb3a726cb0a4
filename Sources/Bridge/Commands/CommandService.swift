import Foundation
package import Logging
package import MQTT
import PRO380

/// Listens on the command topics of this bridge's own meters and carries out what they ask.
///
/// Topics (`TopicLayout`): `<base>/<meter>/<key>/set` writes, `<base>/<meter>/<key>/get` reads one key now,
/// `<base>/<meter>/get` reads the whole meter now. Only this instance's meters are subscribed, never a wildcard
/// over meters, so several bridge instances share one broker without answering for each other.
///
/// Every command is validated on arrival (`CommandValidator`); a refused one is answered at once and never reaches
/// a bus. Accepted commands wait in their bus's queue in arrival order (buses run in parallel) and take the bus at
/// its next transaction boundary. A command `id` already executed in the last ten minutes is answered again from
/// memory, not executed twice (a QoS 1 redelivery).
package struct CommandService: Sendable {
    let client: MQTTClient
    let publisher: Publisher
    let topics: TopicLayout
    let buses: [BusSession]
    let validator: CommandValidator
    let logger: Logger
    let answers = AnswerMemory()

    package init(
        client: MQTTClient,
        publisher: Publisher,
        topics: TopicLayout,
        buses: [BusSession],
        validator: CommandValidator,
        logger: Logger
    ) {
        self.client = client
        self.publisher = publisher
        self.topics = topics
        self.buses = buses
        self.validator = validator
        self.logger = logger
    }

    /// The topic filters this instance subscribes to.
    package var filters: [String] {
        buses.flatMap(\.meters).flatMap { meter -> [String] in
            let name = meter.configuration.name
            return ["\(topics.base)/\(name)/+/set", "\(topics.base)/\(name)/+/get", "\(topics.base)/\(name)/get"]
        }
    }

    /// Subscribes (once connected) and serves commands until cancelled.
    package func run() async {
        let messages = client.messages()
        var queues: [String: AsyncStream<@Sendable () async -> Void>.Continuation] = [:]
        await withTaskGroup(of: Void.self) { group in
            for bus in buses {
                let (stream, continuation) = AsyncStream<@Sendable () async -> Void>.makeStream()
                queues[bus.name] = continuation
                group.addTask {
                    for await job in stream { await job() }
                }
            }
            group.addTask { await subscribeWhenConnected() }
            for await message in messages {
                guard let route = route(message) else { continue }
                if let job = await accept(message, route: route) { queues[route.bus.name]?.yield(job) }
            }
            for continuation in queues.values { continuation.finish() }
            group.cancelAll()
        }
    }

    private func subscribeWhenConnected() async {
        for await state in client.connectionStates() where state == .connected {
            do {
                try await client.subscribe(filters, qos: .atLeastOnce)
                logger.info("listening for commands on \(filters.count) topic filters")
                return
            } catch {
                logger.warning("subscribing to the command topics failed: \(error); retrying at the next connection")
            }
        }
    }
}
