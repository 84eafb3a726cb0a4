/// The bridge configs the benchmarks run (`pro380-mqtt bench compare|deadmeter|scale|wire`), as YAML for
/// `bench bridge --config`.
///
/// None uses the daemon's default outbox file (`<state folder>/outbox-<client_id>.sqlite`): each run keeps its
/// outbox in the run's own work folder (a new file, removed with the folder), so no run replays readings an earlier
/// run, another benchmark or the daemon left unsent, and no run leaves any for them. `wire` keeps it in memory
/// (`enabled: false`, also per run): its figures are line times, which a per-poll fsync would blur.
package enum BenchBridgeConfig {
    /// `bench compare`: one bus per meter, each a Modbus TCP gateway (the libmodbus stand-in on `standinPorts`),
    /// Home Assistant discovery off (the floor has none), diagnostics every 5 s (the subscriber reads
    /// `dropped_messages` from them), the outbox file `outbox` (in the run's work folder).
    package static func compare(brokerPort: Int, qos: Int, meters: Int, standinPorts: [Int], outbox: String) -> String {
        var lines = [
            "mqtt: {host: 127.0.0.1, port: \(brokerPort), client_id: bench-bridge, base_topic: bench, qos: \(qos)}",
            "outbox: {path: \(outbox)}",
            "diagnostics_interval: 5s",
            "homeassistant: {enabled: false}",
            "buses:",
        ]
        for n in 1...meters {
            lines += [
                "  - name: g\(n)",
                "    modbus_tcp: {host: 127.0.0.1, port: \(standinPorts[(n - 1) % standinPorts.count])}",
                "    meters:",
                "      - {name: m\(n), address: 1, groups: {instantaneous: 100ms, energy: 100ms, identity: 1h}}",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `bench deadmeter`: `meters` meters (addresses 1...meters) on one paced Modbus RTU line, the outbox file
    /// `outbox` (in the run's work folder).
    package static func deadMeter(
        device: String,
        baud: Int,
        timeoutMilliseconds: Int,
        meters: Int,
        brokerPort: Int,
        outbox: String
    ) -> String {
        var lines = [
            "mqtt: {host: 127.0.0.1, port: \(brokerPort), client_id: bench-dead, base_topic: dead, qos: 0}",
            "outbox: {path: \(outbox)}",
            "homeassistant: {enabled: false}",
            "buses:",
            "  - name: line",
            "    modbus_rtu: {device: \(device), baud: \(baud), parity: even}",
            "    timeout: \(timeoutMilliseconds)ms",
            "    meters:",
        ]
        for n in 1...meters { lines.append("      - {name: m\(n), address: \(n), interval: 1s}") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `bench scale`: every meter of `ports`' gateways, the outbox file `outbox` (in the run's work folder: the
    /// default file would carry one step's unsent readings into the next step, and into other runs).
    package static func scale(gateways ports: [Int], metersPerGateway: Int, brokerPort: Int, outbox: String) -> String {
        var lines = [
            "mqtt: {host: 127.0.0.1, port: \(brokerPort), client_id: bench-scale, base_topic: scale, qos: 0}",
            "outbox: {path: \(outbox)}",
            "homeassistant: {enabled: false}",
            "buses:",
        ]
        for (g, port) in ports.enumerated() {
            lines.append("  - name: gateway\(g + 1)")
            lines.append("    modbus_tcp: {host: 127.0.0.1, port: \(port)}")
            lines.append("    meters:")
            for m in 1...metersPerGateway {
                lines.append("      - {name: g\(g + 1)m\(m), address: \(m), interval: 10s}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `bench wire`: `meters` meters on one paced line (`modbus_rtu` or `mbus`), the outbox in memory.
    package static func wire(protocolName: String, device: String, baud: Int, meters: Int, brokerPort: Int) -> String {
        var lines = [
            "mqtt: {host: 127.0.0.1, port: \(brokerPort), client_id: bench-wire, base_topic: wire, qos: 0}",
            "outbox: {enabled: false}",
            "homeassistant: {enabled: false}",
            "buses:",
            "  - name: line",
            protocolName == "mbus"
                ? "    mbus_serial: {device: \(device), baud: \(baud)}"
                : "    modbus_rtu: {device: \(device), baud: \(baud), parity: even}",
            "    timeout: 2s",
            "    meters:",
        ]
        for n in 1...meters { lines.append("      - {name: m\(n), address: \(n), interval: 1s}") }
        return lines.joined(separator: "\n") + "\n"
    }
}
