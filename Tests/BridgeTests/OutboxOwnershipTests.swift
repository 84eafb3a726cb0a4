import Benchmarking
import Foundation
import MQTT
import Testing

@testable import Bridge

/// Whose messages wait in an outbox: the daemon's default file is per client id, so a config that reuses a client
/// id is told which waiting topics it does not publish (`OutboxOrigins`); the benchmarks never use that file.
@Suite struct OutboxOwnershipTests {
    let topics = TopicLayout(base: "pro380", clientID: "basement")

    @Test func ownTopicsAreNotNamedForeignOnesAreGroupedByPublisher() {
        let origins = OutboxOrigins(
            waiting: [
                "pro380/main/voltage_l1", "pro380/main/availability", "pro380/bridge/basement/state",
                "pro380/old/voltage_l1", "pro380/old/voltage_l2", "pro380/old/availability",
                "pro380/bridge/attic/state", "other/pv/voltage_l1", "homeassistant/sensor/pro380_1/config",
            ],
            topics: topics,
            meters: ["main", "kitchen"],
            discoveryPrefix: "homeassistant"
        )
        #expect(
            origins.foreign == [
                .init(prefix: "pro380/old", topics: 3), .init(prefix: "other/pv", topics: 1),
                .init(prefix: "pro380/bridge/attic", topics: 1),
            ]
        )
        let notice = origins.notice(path: "/var/lib/pro380-mqtt/outbox-basement.sqlite", clientID: "basement")
        #expect(notice?.contains("pro380/old (3 topics), other/pv (1 topic), pro380/bridge/attic (1 topic)") == true)
        #expect(notice?.contains("they are sent to the broker as stored") == true, "\(notice ?? "")")
        #expect(notice?.contains("delete /var/lib/pro380-mqtt/outbox-basement.sqlite") == true, "\(notice ?? "")")
    }

    @Test func nothingForeignNoNotice() {
        let origins = OutboxOrigins(
            waiting: ["home/energy/main/voltage_l1", "home/energy/bridge/basement/diagnostics"],
            topics: TopicLayout(base: "home/energy", clientID: "basement"),
            meters: ["main"],
            discoveryPrefix: "homeassistant"
        )
        #expect(origins.foreign.isEmpty)
        #expect(origins.notice(path: "x.sqlite", clientID: "basement") == nil)
        let other = OutboxOrigins(
            waiting: ["home/energy/gone/voltage_l1"],
            topics: TopicLayout(base: "home/energy", clientID: "basement"),
            meters: ["main"],
            discoveryPrefix: "homeassistant"
        )
        #expect(other.foreign == [.init(prefix: "home/energy/gone", topics: 1)])
    }

    /// The daemon keeps its default file per client id (an installed daemon finds its backlog after an upgrade).
    @Test func theDaemonsDefaultFileStaysPerClientID() throws {
        let config = try BridgeConfiguration.parse(
            yaml: "mqtt: {client_id: basement}\nbuses: [{name: a, modbus_tcp: {host: 127.0.0.1, port: 502}, "
                + "meters: [{name: m, address: 1}]}]\n",
            file: "/etc/pro380-mqtt/config.yaml",
            environment: ["STATE_DIRECTORY": "/var/lib/pro380-mqtt"]
        )
        #expect(config.outbox.storage == .file("/var/lib/pro380-mqtt/outbox-basement.sqlite"))
    }

    /// Every benchmark's bridge config, checked by the real loader: its outbox is a file in the run's own work
    /// folder (or, for `wire`, memory), never the daemon's default file of its client id.
    @Test func benchmarksNeverUseTheDefaultOutboxFile() throws {
        let work = "/tmp/pro380-bench-run"
        let configs = [
            BenchBridgeConfig.compare(
                brokerPort: 1883,
                qos: 1,
                meters: 2,
                standinPorts: [5020, 5021],
                outbox: "\(work)/outbox-1883-q1-2.sqlite"
            ),
            BenchBridgeConfig.deadMeter(
                device: "/dev/null",
                baud: 9600,
                timeoutMilliseconds: 300,
                meters: 3,
                brokerPort: 1883,
                outbox: "\(work)/outbox.sqlite"
            ),
            BenchBridgeConfig.scale(
                gateways: [5020],
                metersPerGateway: 2,
                brokerPort: 1883,
                outbox: "\(work)/o.sqlite"
            ),
            BenchBridgeConfig.wire(
                protocolName: "modbus_rtu",
                device: "/dev/null",
                baud: 9600,
                meters: 2,
                brokerPort: 1
            ),
        ]
        let environment = ["HOME": "/home/op"]
        for yaml in configs {
            let config = try BridgeConfiguration.parse(
                yaml: yaml,
                file: "\(work)/bridge.yaml",
                environment: environment
            )
            let defaultPath = OutboxSettings.defaultPath(clientID: config.mqtt.clientID, environment: environment)
            switch config.outbox.storage {
            case .file(let path):
                #expect(path != defaultPath, "\(config.mqtt.clientID)")
                #expect(path.hasPrefix(work + "/"), "\(config.mqtt.clientID): \(path)")
            case .memory:
                #expect(config.mqtt.clientID == "bench-wire")
            }
        }
    }
}
