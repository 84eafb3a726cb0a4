import Bridge
import Logging
import MQTT
import SerialIO
import Testing

/// What a reload changes (`ConfigurationChange`): a value from the running config and the new one.
@Suite struct ConfigurationChangeTests {
    static func meter(_ name: String, _ address: Int, interval: Duration = .seconds(10)) -> MeterConfiguration {
        MeterConfiguration(name: name, address: address, intervals: MeterConfiguration.defaultIntervals(interval))
    }

    static func bus(_ name: String, port: Int = 502, _ meters: [MeterConfiguration]) -> BusConfiguration {
        BusConfiguration(name: name, link: .modbusTCP(host: "10.0.0.1", port: port), meters: meters)
    }

    static func config(_ buses: [BusConfiguration]) -> BridgeConfiguration { BridgeConfiguration(buses: buses) }

    @Test func sameConfigChangesNothing() {
        let config = Self.config([Self.bus("a", [Self.meter("m1", 1), Self.meter("m2", 2)])])
        let change = ConfigurationChange(from: config, to: config)
        #expect(change.isEmpty)
        #expect(change.needsRestart.isEmpty)
        #expect(change.buses == .init(unchanged: ["a"]))
        #expect(change.meters == .init(unchanged: ["m1", "m2"]))
    }

    @Test func metersAddedRemovedAndChangedOnAnUnchangedBus() {
        let old = Self.config([Self.bus("a", [Self.meter("m1", 1), Self.meter("m2", 2), Self.meter("m3", 3)])])
        let new = Self.config([
            Self.bus("a", [Self.meter("m1", 1), Self.meter("m3", 3, interval: .seconds(5)), Self.meter("m4", 4)])
        ])
        let change = ConfigurationChange(from: old, to: new)
        #expect(change.buses == .init(unchanged: ["a"]))
        #expect(change.meters == .init(added: ["m4"], removed: ["m2"], changed: ["m3"], unchanged: ["m1"]))
        #expect(
            change.summary
                == "buses: 1 unchanged; meters: 1 added (m4), 1 removed (m2), 1 changed (m3), 1 unchanged"
        )
    }

    /// A bus whose transport settings change restarts, with every meter on it; a bus gone takes its meters along.
    @Test func changedBusRestartsItsMetersRemovedBusRemovesThem() {
        let old = Self.config([
            Self.bus("a", [Self.meter("m1", 1), Self.meter("m2", 2)]), Self.bus("b", port: 503, [Self.meter("m3", 1)]),
        ])
        var changedBus = Self.bus("a", port: 1502, [Self.meter("m1", 1), Self.meter("m2", 2)])
        let new = Self.config([changedBus])
        let change = ConfigurationChange(from: old, to: new)
        #expect(change.buses == .init(removed: ["b"], changed: ["a"]))
        #expect(change.meters == .init(removed: ["m3"], changed: ["m1", "m2"]))
        // The timeout, the request gap and the echo are the line's too.
        changedBus.link = .modbusTCP(host: "10.0.0.1", port: 502)
        for edit in [
            { (bus: inout BusConfiguration) in bus.timeout = .seconds(3) }, { $0.requestGap = .milliseconds(50) },
            { $0.echo = true },
        ] {
            var bus = changedBus
            edit(&bus)
            let again = ConfigurationChange(from: Self.config([changedBus]), to: Self.config([bus]))
            #expect(again.buses.changed == ["a"])
        }
    }

    /// A meter that moves to another bus restarts there; the meter left alone on its bus (or no longer alone)
    /// restarts too: its driver allows line-setting writes only to a lone meter.
    @Test func movedMeterAndLoneMeterRestart() {
        let old = Self.config([
            Self.bus("a", [Self.meter("m1", 1), Self.meter("m2", 2)]), Self.bus("b", port: 503, [Self.meter("m3", 1)]),
        ])
        let new = Self.config([
            Self.bus("a", [Self.meter("m1", 1)]), Self.bus("b", port: 503, [Self.meter("m3", 1), Self.meter("m2", 2)]),
        ])
        let change = ConfigurationChange(from: old, to: new)
        #expect(change.buses == .init(unchanged: ["a", "b"]))
        #expect(change.meters == .init(changed: ["m1", "m3", "m2"]))
    }

    @Test func renamedBusIsRemovedAndAdded() {
        let old = Self.config([Self.bus("a", [Self.meter("m1", 1)])])
        let new = Self.config([Self.bus("z", [Self.meter("m1", 1)])])
        let change = ConfigurationChange(from: old, to: new)
        #expect(change.buses == .init(added: ["z"], removed: ["a"]))
        #expect(change.meters == .init(changed: ["m1"]))
    }

    /// The broker, topics, discovery, the log level, the outbox and the other top-level settings need a restart; each is
    /// named.
    @Test func settingsOutsideTheBusesNeedARestart() {
        let old = Self.config([Self.bus("a", [Self.meter("m1", 1)])])
        var new = old
        new.mqtt.host = "broker.example"
        new.mqtt.baseTopic = "meters"
        new.logLevel = .debug
        new.homeAssistant.enabled = false
        new.commandMaxAge = .seconds(5)
        new.diagnosticsInterval = .seconds(5)
        new.outbox.replayRate = 50
        #expect(
            ConfigurationChange(from: old, to: new).needsRestart == [
                "mqtt.host", "mqtt.base_topic", "homeassistant", "diagnostics_interval", "command_max_age", "log_level",
                "outbox",
            ]
        )
        var keepalive = old
        keepalive.mqtt.keepAlive = .seconds(7)
        #expect(
            ConfigurationChange(from: old, to: keepalive).needsRestart == [
                "mqtt (credentials, TLS, keepalive or version)"
            ]
        )
        var connectTimeout = old
        connectTimeout.mqtt.connectTimeout = .seconds(20)
        #expect(ConfigurationChange(from: old, to: connectTimeout).needsRestart == ["mqtt.connect_timeout"])
        var warned = old
        warned.source = "other.yaml"
        #expect(ConfigurationChange(from: old, to: warned).needsRestart.isEmpty)
    }
}
