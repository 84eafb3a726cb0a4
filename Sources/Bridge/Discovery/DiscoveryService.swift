import Foundation
package import Logging
package import MQTT
import PRO380

/// Publishes Home Assistant discovery for the bridge and its meters, and keeps availability asserted.
///
/// Lifecycle: on the first connection it subscribes to Home Assistant's birth topic (`<prefix>/status`) and to
/// its own retained registry (`DiscoveryRegistry`), then publishes a non-retained marker on
/// `<base>/bridge/<client_id>/discovery/sync`; when the marker comes back, every retained registry message has
/// arrived before it (one connection delivers in order), so configs of meters no longer in the config file can be
/// cleared. From then on: configs are published for a meter once its serial number is known and again when its
/// keys, versions or combination code change; everything is published again, and every meter's last availability
/// re-asserted (retained), after each reconnect and after Home Assistant's birth message, so a stale retained
/// `offline` never keeps entities unavailable. Configs go out only while connected (a reconnect republishes
/// them); availability goes through the publisher's queue so it stays in order with the readings. After a reload
/// (`BusRoster` changed) the configs of removed meters are cleared and those of changed meters published again.
package struct DiscoveryService: Sendable {
    let client: MQTTClient
    let publisher: Publisher
    let topics: TopicLayout
    let settings: HomeAssistantSettings
    let roster: BusRoster
    let logger: Logger

    /// The running buses (a reload changes them).
    var buses: [BusSession] { roster.buses }

    package init(
        client: MQTTClient,
        publisher: Publisher,
        topics: TopicLayout,
        settings: HomeAssistantSettings,
        buses: BusRoster,
        logger: Logger
    ) {
        self.client = client
        self.publisher = publisher
        self.topics = topics
        self.settings = settings
        self.roster = buses
        self.logger = logger
    }

    /// `<prefix>/status`: Home Assistant's birth (`online`) and will (`offline`).
    package var statusTopic: String { "\(settings.prefix)/status" }
    /// `<base>/bridge/<client_id>/discovery`: the retained registry of published config topics.
    package var registryTopic: String { "\(topics.base)/bridge/\(topics.clientID)/discovery" }
    /// `<base>/bridge/<client_id>/discovery/sync`: the marker that ends reading the registry.
    package var syncTopic: String { registryTopic + "/sync" }

    enum Event: Sendable {
        case connected
        case message(MQTTMessage)
        case ledgerChanged
        /// A reload changed the buses or meters: the configs of removed meters are cleared, those of changed
        /// meters published again.
        case busesChanged
    }

    /// Runs until cancelled or the client shuts down.
    package func run() async {
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let messages = client.messages()
        let ledger = publisher.ledger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in client.connectionStates() where state == .connected { sink.yield(.connected) }
                sink.finish()
            }
            group.addTask {
                for await message in messages { sink.yield(.message(message)) }
            }
            group.addTask {
                for await _ in ledger.changes { sink.yield(.ledgerChanged) }
            }
            group.addTask { [roster] in
                for await _ in roster.changes() { sink.yield(.busesChanged) }
            }
            var state = State()
            for await event in events {
                await handle(event, state: &state)
            }
            group.cancelAll()
        }
    }

    struct State {
        var subscribed = false
        var registry: DiscoveryRegistry?
        var reconciler: DiscoveryReconciler?
        /// The meters sharing each serial number, as last warned about.
        var warnedSerials: [String: [String]] = [:]
    }

    private func handle(_ event: Event, state: inout State) async {
        switch event {
        case .connected:
            if !state.subscribed {
                do {
                    try await client.subscribe([statusTopic, registryTopic, syncTopic], qos: .atLeastOnce)
                    state.subscribed = true
                    try await client.publish(MQTTMessageDraft(topic: syncTopic, payload: "sync", qos: .atLeastOnce))
                } catch is CancellationError {
                    // Shutting down: nothing failed.
                } catch {
                    logger.warning("discovery: subscribing failed (\(error)); retrying at the next connection")
                }
            } else if state.reconciler != nil {
                await refresh(&state, force: true)
            }
        case .message(let message) where message.topic == registryTopic:
            if state.reconciler == nil { state.registry = DiscoveryRegistry(payload: message.payload) }
        case .message(let message) where message.topic == syncTopic:
            guard state.reconciler == nil else { return }
            state.reconciler = DiscoveryReconciler(registry: state.registry ?? DiscoveryRegistry())
            await refresh(&state, force: true)
        case .message(let message) where message.topic == statusTopic:
            guard message.payloadString == "online", state.reconciler != nil else { return }
            logger.info("discovery: Home Assistant is online: publishing discovery and availability again")
            await refresh(&state, force: true, bridgeState: true)
        case .message:
            return
        case .ledgerChanged, .busesChanged:
            warnAboutSharedSerials(&state)
            if state.reconciler != nil { await refresh(&state, force: false) }
        }
    }
}
