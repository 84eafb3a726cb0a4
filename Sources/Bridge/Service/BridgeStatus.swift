import PRO380
import Synchronization

/// What the bridge can say about itself while it runs, for the service manager (`ServiceNotifier`): the meters'
/// availability and polls (through the publisher's ledger) and whether the broker is connected.
package final class BridgeStatus: Sendable {
    /// What was published per meter, with the poll in flight.
    package let ledger: MeterLedger
    private let connected = Mutex(false)
    private let configured: Mutex<[String]>

    package init(meters: [String], ledger: MeterLedger = MeterLedger()) {
        configured = Mutex(meters)
        self.ledger = ledger
    }

    /// The configured meter names, in config order (a reload changes them).
    package var meters: [String] {
        get { configured.withLock { $0 } }
        set { configured.withLock { $0 = newValue } }
    }

    /// Whether the MQTT client is connected now.
    package var brokerConnected: Bool {
        get { connected.withLock { $0 } }
        set { connected.withLock { $0 = newValue } }
    }

    /// The state at `now`, as the service manager is told it.
    package func snapshot(at now: ContinuousClock.Instant = .now) -> BridgeStatusSnapshot {
        let entries = ledger.snapshot
        let meters = self.meters
        var snapshot = BridgeStatusSnapshot(meters: meters.count, brokerConnected: brokerConnected)
        for meter in meters {
            let entry = entries[meter]
            if entry?.online == true { snapshot.online += 1 }
            if entry?.lastPoll != nil { snapshot.polledOnce += 1 }
            if let started = entry?.pollStarted {
                let running = now - started
                if running > snapshot.longestPoll?.duration ?? .zero { snapshot.longestPoll = (meter, running) }
            }
        }
        return snapshot
    }
}

/// The bridge's state at one moment.
package struct BridgeStatusSnapshot: Sendable {
    /// Configured meters.
    package var meters: Int
    /// Meters whose availability is `online`.
    package var online = 0
    /// Meters that finished at least one poll (answered or not).
    package var polledOnce = 0
    /// The poll in flight the longest, and for how long.
    package var longestPoll: (meter: String, duration: Duration)?
    package var brokerConnected: Bool

    package init(meters: Int, brokerConnected: Bool) {
        self.meters = meters
        self.brokerConnected = brokerConnected
    }

    /// `3 of 4 meters online, broker connected`.
    package var text: String {
        "\(online) of \(meters) meter\(meters == 1 ? "" : "s") online, broker \(brokerConnected ? "connected" : "not connected")"
    }
}
