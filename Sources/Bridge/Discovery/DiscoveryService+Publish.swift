import Foundation
import Logging
import MQTT
import PRO380

extension DiscoveryService {
    /// The messages every configured owner wants now (nil for a meter whose serial number is unknown).
    func wanted() async -> [String: [String: String]?] {
        guard settings.enabled else { return [:] }
        let messages = DiscoveryMessages(settings: settings, clientID: topics.clientID)
        let builder = MeterDiscovery(topics: topics, settings: settings)
        let bridge = BridgeDiscovery(topics: topics)
        var wanted: [String: [String: String]?] = [
            DiscoveryRegistry.bridgeOwner: messages.messages(
                deviceID: DiscoveryID.bridgeDevice(clientID: topics.clientID),
                device: bridge.device,
                shared: bridge.availability,
                components: bridge.components
            )
        ]
        var snapshots: [MeterSnapshot] = []
        for bus in buses {
            for meter in bus.meters {
                snapshots.append(
                    MeterSnapshot(
                        name: meter.configuration.name,
                        meterProtocol: bus.meterProtocol,
                        allowCommands: meter.configuration.allowCommands,
                        entry: publisher.ledger.entry(meter.configuration.name),
                        refusedKeys: await meter.driver.refusedKeys()
                    )
                )
            }
        }
        let shared = SharedSerials(meters: snapshots.map { ($0.name, $0.serial) })
        for var snapshot in snapshots {
            snapshot.qualifier = shared.qualifier(for: snapshot.name)
            guard let stem = snapshot.idStem, let device = builder.device(for: snapshot) else {
                wanted[snapshot.name] = .some(nil)
                continue
            }
            wanted[snapshot.name] = messages.messages(
                deviceID: DiscoveryID.meterDevice(serial: stem),
                device: device,
                shared: builder.availability(meter: snapshot.name),
                components: builder.components(for: snapshot)
            )
        }
        return wanted
    }

    /// Warns once for each serial number that several configured meters read (`SharedSerials`), whether or not
    /// discovery is enabled.
    func warnAboutSharedSerials(_ state: inout State) {
        let names = buses.flatMap { $0.meters.map(\.configuration.name) }
        let ledger = publisher.ledger.snapshot
        let shared = SharedSerials(meters: names.map { ($0, ledger[$0]?.identity["serial_number"]?.description) })
        for (serial, meters) in shared.groups.sorted(by: { $0.key < $1.key })
        where state.warnedSerials[serial] != meters {
            state.warnedSerials[serial] = meters
            logger.warning("\(SharedSerials.warning(serial: serial, meters: meters))")
        }
    }

    /// Reconciles and sends; with `force`, also re-asserts every meter's availability, and with `bridgeState` the
    /// bridge's `online` (for Home Assistant's birth; after a connect the client's birth message already said it).
    func refresh(_ state: inout State, force: Bool, bridgeState: Bool = false) async {
        guard var reconciler = state.reconciler else { return }
        let actions = reconciler.reconcile(wanted: await wanted(), force: force)
        state.reconciler = reconciler
        if !actions.isEmpty {
            logger.debug("discovery: \(actions.publish.count) config(s) to publish, \(actions.clear.count) to clear")
        }
        for topic in actions.clear { await send(topic, "") }
        for message in actions.publish { await send(message.topic, message.payload) }
        if let registry = actions.registry { await send(registryTopic, registry) }
        guard force else { return }
        if bridgeState { await send(topics.bridgeState, "online") }
        for bus in buses {
            for meter in bus.meters {
                let name = meter.configuration.name
                if let online = publisher.ledger.entry(name).online {
                    await publisher.publishAvailability(meter: name, online: online)
                }
            }
        }
    }

    private func send(_ topic: String, _ payload: String) async {
        do {
            try await client.publish(MQTTMessageDraft(topic: topic, payload: payload, qos: .atLeastOnce, retain: true))
        } catch is CancellationError {
            // Shutdown: the retained configs stay on the broker as they are; nothing to report.
        } catch {
            logger.info("discovery: not published to \(topic) (\(error)); it goes out again at the next connection")
        }
    }
}
