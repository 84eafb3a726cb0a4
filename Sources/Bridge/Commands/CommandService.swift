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
    let roster: BusRoster
    let validator: CommandValidator
    let logger: Logger
    let answers = AnswerMemory()

    /// The running buses (a reload changes them).
    var buses: [BusSession] { roster.buses }

    package init(
        client: MQTTClient,
        publisher: Publisher,
        topics: TopicLayout,
        buses: BusRoster,
        validator: CommandValidator,
        logger: Logger
    ) {
        self.client = client
        self.publisher = publisher
        self.topics = topics
        self.roster = buses
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

    /// Subscribes (once connected, and again for the meters a reload adds) and serves commands until cancelled.
    ///
    /// One queue per bus name, made when its first command arrives. The filters of a meter a reload removed are
    /// unsubscribed; a command that arrives for it meanwhile is ignored like those of any unknown meter (another
    /// instance may own it now and answer).
    package func run() async {
        let messages = client.messages()
        var queues: [String: AsyncStream<@Sendable () async -> Void>.Continuation] = [:]
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await subscribeWhenConnected() }
            for await message in messages {
                guard let route = route(message), let job = await accept(message, route: route) else { continue }
                if queues[route.bus.name] == nil {
                    let (stream, continuation) = AsyncStream<@Sendable () async -> Void>.makeStream()
                    queues[route.bus.name] = continuation
                    group.addTask {
                        for await job in stream { await job() }
                    }
                }
                queues[route.bus.name]?.yield(job)
            }
            for continuation in queues.values { continuation.finish() }
            group.cancelAll()
        }
    }

    /// Subscribes to the filters not subscribed yet, at each connection and after each reload (the client
    /// subscribes again by itself after a reconnect), and unsubscribes those of meters a reload removed.
    private func subscribeWhenConnected() async {
        enum Event {
            case connection(MQTTConnectionState)
            case reload
        }
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let roster = roster
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in client.connectionStates() { sink.yield(.connection(state)) }
                sink.finish()
            }
            group.addTask {
                for await _ in roster.changes() { sink.yield(.reload) }
            }
            var subscribed = Set<String>()
            for await event in events {
                if case .connection(let state) = event, state != .connected { continue }
                let current = Set(filters)
                let gone = subscribed.subtracting(current)
                if !gone.isEmpty {
                    // A reload removed meters (or moved them to another instance, which now answers their commands).
                    do {
                        try client.unsubscribe(gone.sorted())
                        subscribed.subtract(gone)
                        logger.info("stopped listening for commands on \(gone.count) topic filters of removed meters")
                    } catch {
                        logger.warning("unsubscribing from the command topics of removed meters failed: \(error)")
                    }
                }
                let wanted = filters.filter { !subscribed.contains($0) }
                guard !wanted.isEmpty, client.state == .connected else { continue }
                do {
                    try await client.subscribe(wanted, qos: .atLeastOnce)
                    subscribed.formUnion(wanted)
                    logger.info("listening for commands on \(subscribed.count) topic filters")
                } catch {
                    logger.warning(
                        "subscribing to the command topics failed: \(error); retrying at the next connection"
                    )
                }
            }
            group.cancelAll()
        }
    }
}
