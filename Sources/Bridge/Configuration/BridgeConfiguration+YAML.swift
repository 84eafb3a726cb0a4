import Foundation
import PRO380
import SerialIO
import Yams

extension BridgeConfiguration {
    /// Reads and checks the config file at `path`.
    /// - Throws: `ConfigurationError` naming the file, line and key of the first problem.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> BridgeConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: nil, key: "", message: "cannot read the file")
        }
        return try parse(yaml: text, file: path, environment: environment)
    }

    /// Decodes a config from YAML text; `file` names it in errors; `password_file` paths are relative to it.
    /// - Throws: `ConfigurationError`.
    package static func parse(yaml: String, file: String, environment: [String: String] = [:]) throws -> BridgeConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(file: file, line: YAMLErrorLine.line(of: error), key: "", message: "not valid YAML: \(error)")
        }
        guard let root else { throw ConfigurationError(file: file, line: 1, key: "", message: "the file is empty") }
        let top = try ConfigNode(node: root, path: "", file: file).mapping(allowed: ["mqtt", "buses", "diagnostics_interval"])
        var config = BridgeConfiguration(source: file)
        if let mqtt = top["mqtt"] { config.mqtt = try decodeMQTT(mqtt, file: file, environment: environment) }
        if let interval = top["diagnostics_interval"] { config.diagnosticsInterval = try interval.duration() }
        guard let buses = top["buses"] else {
            throw ConfigurationError(file: file, line: root.mark?.line, key: "buses", message: "missing: list at least one bus with its meters")
        }
        config.buses = try buses.sequence().map(decodeBus)
        try checkUnique(config, buses: buses)
        return config
    }

    private static func decodeMQTT(_ node: ConfigNode, file: String, environment: [String: String]) throws -> MQTTSettings {
        let m = try node.mapping(allowed: [
            "host", "port", "client_id", "base_topic", "version", "qos", "keepalive", "username", "password_file", "tls",
        ])
        var s = MQTTSettings()
        if let v = m["host"] { s.host = try v.string() }
        if let v = m["port"] { s.port = try v.int(in: 1...65535) }
        if let v = m["client_id"] { s.clientID = try v.string() }
        if let v = m["base_topic"] {
            s.baseTopic = try v.string()
            guard !s.baseTopic.isEmpty, !s.baseTopic.contains(where: { "+#".contains($0) }), !s.baseTopic.hasSuffix("/") else {
                throw v.error("a topic prefix without + or # and without a trailing /")
            }
        }
        if let v = m["version"] {
            s.version = try v.int()
            guard s.version == 3 || s.version == 5 else { throw v.error("5 (MQTT 5) or 3 (MQTT 3.1.1)") }
        }
        if let v = m["qos"] { s.qos = try v.int(in: 0...1) }
        if let v = m["keepalive"] { s.keepAlive = try v.duration() }
        if let v = m["username"] { s.username = try v.string() }
        if let v = m["password_file"] {
            let path = try v.string()
            let resolved = path.hasPrefix("/") ? path : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
            guard let data = FileManager.default.contents(atPath: resolved), let text = String(data: data, encoding: .utf8) else {
                throw v.error("cannot read the password file \(resolved)")
            }
            s.password = text.trimmingCharacters(in: .newlines)
        } else if let password = environment["PRO380_MQTT_PASSWORD"] {
            s.password = password
        }
        if let v = m["tls"] {
            let t = try v.mapping(allowed: ["ca_file", "cert_file", "key_file", "insecure"])
            guard let ca = t["ca_file"] else { throw v.error("tls needs ca_file") }
            var tls = TLSSettings(caFile: try ca.string())
            tls.certFile = try t["cert_file"]?.string()
            tls.keyFile = try t["key_file"]?.string()
            if (tls.certFile == nil) != (tls.keyFile == nil) { throw v.error("cert_file and key_file go together") }
            if let insecure = t["insecure"] { tls.insecure = try insecure.bool() }
            s.tls = tls
        }
        return s
    }

    static let busKinds = ["modbus_rtu", "modbus_tcp", "modbus_rtu_over_tcp"]

    private static func decodeBus(_ node: ConfigNode) throws -> BusConfiguration {
        let m = try node.mapping(allowed: ["name", "timeout", "request_gap", "echo", "meters"] + busKinds)
        guard let name = try m["name"]?.string(), !name.isEmpty else { throw node.error("every bus needs a name") }
        let kinds = busKinds.compactMap { key in m[key].map { (key, $0) } }
        guard kinds.count == 1, let (kind, linkNode) = kinds.first else {
            throw node.error("a bus needs exactly one of \(busKinds.joined(separator: ", "))")
        }
        let link: BusLink
        switch kind {
        case "modbus_rtu":
            let l = try linkNode.mapping(allowed: ["device", "baud", "parity", "stop_bits"])
            guard let device = try l["device"]?.string() else { throw linkNode.error("modbus_rtu needs device") }
            var settings = LineSettings(baudRate: 9600, dataBits: 8, parity: .even, stopBits: 1)
            if let v = l["baud"] { settings.baudRate = try v.int(in: 300...115_200) }
            if let v = l["parity"] {
                guard let parity = LineSettings.Parity(rawValue: try v.string()) else { throw v.error("even, none or odd") }
                settings.parity = parity
            }
            if let v = l["stop_bits"] { settings.stopBits = try v.int(in: 1...2) }
            link = .modbusRTU(device: device, settings: settings)
        default:
            let l = try linkNode.mapping(allowed: ["host", "port"])
            guard let host = try l["host"]?.string() else { throw linkNode.error("\(kind) needs host") }
            let port = try l["port"]?.int(in: 1...65535) ?? 502
            link = kind == "modbus_tcp" ? .modbusTCP(host: host, port: port) : .modbusRTUOverTCP(host: host, port: port)
        }
        var bus = BusConfiguration(name: name, link: link)
        if let v = m["timeout"] { bus.timeout = try v.duration() }
        if let v = m["request_gap"] { bus.requestGap = try v.duration() }
        if let v = m["echo"] { bus.echo = try v.bool() }
        guard let meters = m["meters"] else { throw node.error("bus \(name) lists no meters") }
        bus.meters = try meters.sequence().map(decodeMeter)
        return bus
    }

    private static func decodeMeter(_ node: ConfigNode) throws -> MeterConfiguration {
        let m = try node.mapping(allowed: [
            "name", "address", "interval", "groups", "max_registers", "request_gap", "offline_after", "allow_commands",
        ])
        guard let nameNode = m["name"] else { throw node.error("every meter needs a name (its topic level)") }
        let name = try nameNode.string()
        guard !name.isEmpty, !name.contains(where: { "/+#".contains($0) }), name != "bridge" else {
            throw nameNode.error("a meter name is one topic level: no /, + or #, and not \"bridge\"")
        }
        guard let addressNode = m["address"] else { throw node.error("meter \(name) needs an address (Modbus unit id 1..247)") }
        let address = try addressNode.int(in: 1...247)
        var meter = MeterConfiguration(name: name, address: address)
        if let v = m["interval"] { meter.intervals = MeterConfiguration.defaultIntervals(try v.duration()) }
        if let v = m["groups"] {
            for (group, interval) in try v.mapping(allowed: PollGroup.allCases.map(\.rawValue)) {
                meter.intervals[PollGroup(rawValue: group)!] = try interval.duration()
            }
        }
        if let v = m["max_registers"] { meter.maxRegisters = try v.int(in: 2...125) }
        if let v = m["request_gap"] { meter.requestGap = try v.duration() }
        if let v = m["offline_after"] { meter.offlineAfter = try v.int(in: 1...1000) }
        if let v = m["allow_commands"] {
            meter.allowCommands = try v.stringList()
            for (index, key) in meter.allowCommands.enumerated() {
                guard RegisterTable.pro380[key]?.isWritable == true else {
                    let writable = RegisterTable.pro380.writable.map(\.key).joined(separator: ", ")
                    throw ConfigurationError(
                        file: v.file, line: v.line, key: "\(v.path)[\(index)]",
                        message: "\(key) is not a writable key; writable: \(writable)")
                }
            }
        }
        for (group, interval) in meter.intervals where interval < .milliseconds(100) {
            throw node.error("the \(group.rawValue) interval \(DurationText.format(interval)) is below 100ms")
        }
        return meter
    }

    private static func checkUnique(_ config: BridgeConfiguration, buses: ConfigNode) throws {
        let busNodes = try buses.sequence()
        var busNames = Set<String>()
        var meterNames = Set<String>()
        for (index, bus) in config.buses.enumerated() {
            guard busNames.insert(bus.name).inserted else { throw busNodes[index].error("bus name \(bus.name) is used twice") }
            var addresses = Set<Int>()
            let meterNodes = try busNodes[index].mapping(allowed: ["name", "timeout", "request_gap", "echo", "meters"] + busKinds)["meters"]!.sequence()
            for (mi, meter) in bus.meters.enumerated() {
                guard meterNames.insert(meter.name).inserted else {
                    throw meterNodes[mi].error("meter name \(meter.name) is used twice (names are topic levels)")
                }
                guard addresses.insert(meter.address).inserted else {
                    throw meterNodes[mi].error("address \(meter.address) is used twice on bus \(bus.name)")
                }
            }
        }
    }
}

/// The line a Yams parse error points at.
enum YAMLErrorLine {
    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}
