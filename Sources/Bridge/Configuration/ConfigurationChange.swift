import MQTT

/// What a reload changes: the buses and meters of the running config against those of the new file, and the
/// settings that differ but take effect only at a restart. A value computed from the two configs, no I/O.
///
/// Buses and meters are matched by name. A bus is *changed* when what its line is built from differs (the link:
/// protocol, device or host and port, serial settings; `timeout`, `request_gap`, `echo`): its transport is closed
/// and opened anew. A meter is *changed* when its own settings differ, when it moved to another bus, when its bus
/// is changed (it restarts with its bus), or when it becomes or stops being the only meter of its bus (the
/// driver allows line-setting writes only to a lone meter). Everything else is *unchanged* and keeps polling.
package struct ConfigurationChange: Sendable, Equatable {
    /// Names sorted into what happens to them, each list in config order (removed: the running config's order).
    package struct Names: Sendable, Equatable {
        package var added: [String] = []
        package var removed: [String] = []
        package var changed: [String] = []
        package var unchanged: [String] = []

        package init(
            added: [String] = [],
            removed: [String] = [],
            changed: [String] = [],
            unchanged: [String] = []
        ) {
            self.added = added
            self.removed = removed
            self.changed = changed
            self.unchanged = unchanged
        }

        /// Nothing added, removed or changed.
        package var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    package var buses = Names()
    package var meters = Names()
    /// The keys whose new value only a restart applies (`mqtt.host`, `log_level`, ...), in a stable order.
    package var needsRestart: [String] = []

    /// The change from `running` to `new`.
    package init(from running: BridgeConfiguration, to new: BridgeConfiguration) {
        needsRestart = Self.restartKeys(running, new)
        let oldBuses = Dictionary(uniqueKeysWithValues: running.buses.map { ($0.name, $0) })
        let newNames = Set(new.buses.map(\.name))
        buses.removed = running.buses.map(\.name).filter { !newNames.contains($0) }
        for bus in new.buses {
            guard let old = oldBuses[bus.name] else {
                buses.added.append(bus.name)
                continue
            }
            if Self.sameLine(old, bus) { buses.unchanged.append(bus.name) } else { buses.changed.append(bus.name) }
        }
        let oldMeters = Dictionary(
            uniqueKeysWithValues: running.buses.flatMap { bus in bus.meters.map { ($0.name, (bus, $0)) } }
        )
        let newMeterNames = Set(new.meters.map(\.meter.name))
        meters.removed = running.meters.map(\.meter.name).filter { !newMeterNames.contains($0) }
        let changedBuses = Set(buses.changed)
        for bus in new.buses {
            for meter in bus.meters {
                guard let (oldBus, old) = oldMeters[meter.name] else {
                    meters.added.append(meter.name)
                    continue
                }
                let same =
                    old == meter && oldBus.name == bus.name && !changedBuses.contains(bus.name)
                    && (oldBus.meters.count == 1) == (bus.meters.count == 1)
                if same { meters.unchanged.append(meter.name) } else { meters.changed.append(meter.name) }
            }
        }
    }

    /// Whether the reload has anything to do on the buses.
    package var isEmpty: Bool { buses.isEmpty && meters.isEmpty }

    /// Whether two configs of one bus build the same line.
    static func sameLine(_ a: BusConfiguration, _ b: BusConfiguration) -> Bool {
        a.link == b.link && a.timeout == b.timeout && a.requestGap == b.requestGap && a.echo == b.echo
    }

    /// The settings outside `buses:` that differ: the broker connection, topics and discovery are set up once per
    /// run (the client id, will and subscriptions belong to one MQTT session), the outbox's file is opened and its
    /// bounds and replay rate given to it once per run, the log level is set once per process.
    static func restartKeys(_ a: BridgeConfiguration, _ b: BridgeConfiguration) -> [String] {
        var keys: [String] = []
        let mqtt: [(String, Bool)] = [
            ("mqtt.host", a.mqtt.host == b.mqtt.host), ("mqtt.port", a.mqtt.port == b.mqtt.port),
            ("mqtt.client_id", a.mqtt.clientID == b.mqtt.clientID),
            ("mqtt.base_topic", a.mqtt.baseTopic == b.mqtt.baseTopic), ("mqtt.qos", a.mqtt.qos == b.mqtt.qos),
            ("mqtt.connect_timeout", a.mqtt.connectTimeout == b.mqtt.connectTimeout),
        ]
        keys += mqtt.filter { !$0.1 }.map(\.0)
        if keys.isEmpty, a.mqtt != b.mqtt { keys.append("mqtt (credentials, TLS, keepalive or version)") }
        if a.homeAssistant != b.homeAssistant { keys.append("homeassistant") }
        if a.diagnosticsInterval != b.diagnosticsInterval { keys.append("diagnostics_interval") }
        if a.commandMaxAge != b.commandMaxAge { keys.append("command_max_age") }
        if a.logLevel != b.logLevel { keys.append("log_level") }
        if a.outbox != b.outbox { keys.append("outbox") }
        return keys
    }

    /// `buses: 1 added (b2), 1 removed (b1); meters: 2 added (x, y), 1 changed (z), 3 unchanged`.
    package var summary: String {
        func part(_ what: String, _ names: Names) -> String {
            var items: [String] = []
            if !names.added.isEmpty {
                items.append("\(names.added.count) added (\(names.added.joined(separator: ", ")))")
            }
            if !names.removed.isEmpty {
                items.append("\(names.removed.count) removed (\(names.removed.joined(separator: ", ")))")
            }
            if !names.changed.isEmpty {
                items.append("\(names.changed.count) changed (\(names.changed.joined(separator: ", ")))")
            }
            items.append("\(names.unchanged.count) unchanged")
            return "\(what): " + items.joined(separator: ", ")
        }
        return part("buses", buses) + "; " + part("meters", meters)
    }
}
