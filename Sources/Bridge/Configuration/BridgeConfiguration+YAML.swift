import Foundation
import PRO380
import SerialIO
import Yams

extension BridgeConfiguration {
    /// Reads and checks the config file at `path`.
    /// - Throws: `ConfigurationError` naming the file, line and key of the first problem.
    package static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> BridgeConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError(file: path, line: nil, key: "", message: "cannot read the file")
        }
        return try parse(yaml: text, file: path, environment: environment)
    }

    /// Decodes a config from YAML text; `file` names it in errors; `password_file` paths are relative to it.
    /// - Throws: `ConfigurationError`.
    package static func parse(
        yaml: String,
        file: String,
        environment: [String: String] = [:]
    ) throws -> BridgeConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(
                file: file,
                line: YAMLErrorLine.line(of: error),
                key: "",
                message: "not valid YAML: \(error)"
            )
        }
        guard let root else { throw ConfigurationError(file: file, line: 1, key: "", message: "the file is empty") }
        let top = try ConfigNode(node: root, path: "", file: file).mapping(allowed: [
            "mqtt", "buses", "diagnostics_interval", "command_max_age", "homeassistant",
        ])
        var config = BridgeConfiguration(source: file)
        if let mqtt = top["mqtt"] { config.mqtt = try decodeMQTT(mqtt, file: file, environment: environment) }
        if let interval = top["diagnostics_interval"] {
            config.diagnosticsInterval = try interval.duration()
            guard config.diagnosticsInterval >= .milliseconds(100) else { throw interval.error("at least 100ms") }
        }
        if let age = top["command_max_age"] { config.commandMaxAge = try age.duration() }
        if let ha = top["homeassistant"] { config.homeAssistant = try HomeAssistantSettings(ha) }
        guard let buses = top["buses"] else {
            throw ConfigurationError(
                file: file,
                line: root.mark?.line,
                key: "buses",
                message: "missing: list at least one bus with its meters"
            )
        }
        config.buses = try buses.sequence().map(decodeBus)
        guard !config.buses.isEmpty else { throw buses.error("list at least one bus with its meters") }
        try checkUnique(config, buses: buses)
        return config
    }

    private static func decodeMQTT(
        _ node: ConfigNode,
        file: String,
        environment: [String: String]
    ) throws -> MQTTSettings {
        let m = try node.mapping(allowed: [
            "host", "port", "client_id", "base_topic", "version", "qos", "keepalive", "username", "password_file",
            "tls", "connect_timeout",
        ])
        var s = MQTTSettings()
        if let v = m["host"] { s.host = try v.string() }
        if let v = m["port"] { s.port = try v.int(in: 1...65535) }
        if let v = m["client_id"] {
            s.clientID = try v.string()
            guard !s.clientID.isEmpty, s.clientID.utf8.count <= 65535,
                !s.clientID.contains(where: { "/+#".contains($0) })
            else {
                throw v.error("a client id is needed, unique per bridge instance, without /, + or #")
            }
        }
        if let v = m["base_topic"] {
            s.baseTopic = try v.string()
            guard !s.baseTopic.isEmpty, !s.baseTopic.contains(where: { "+#".contains($0) }), !s.baseTopic.hasSuffix("/")
            else {
                throw v.error("a topic prefix without + or # and without a trailing /")
            }
        }
        if let v = m["version"] {
            s.version = try v.int()
            guard s.version == 3 || s.version == 5 else { throw v.error("5 (MQTT 5) or 3 (MQTT 3.1.1)") }
        }
        if let v = m["qos"] { s.qos = try v.int(in: 0...1) }
        if let v = m["keepalive"] {
            s.keepAlive = try v.duration()
            guard s.keepAlive >= .seconds(5) else { throw v.error("at least 5s (libmosquitto's minimum)") }
        }
        if let v = m["connect_timeout"] {
            s.connectTimeout = try v.duration()
            guard s.connectTimeout >= .seconds(1), s.connectTimeout <= .seconds(300) else {
                throw v.error("between 1s and 5m")
            }
        }
        if let v = m["username"] { s.username = try v.string() }
        if let v = m["password_file"] {
            let path = try v.string()
            let resolved =
                path.hasPrefix("/")
                ? path : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
            guard let data = FileManager.default.contents(atPath: resolved),
                let text = String(data: data, encoding: .utf8)
            else {
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

    static let busKinds = ["modbus_rtu", "modbus_tcp", "modbus_rtu_over_tcp", "mbus_serial", "mbus_tcp", "iec62056"]

    private static func decodeBus(_ node: ConfigNode) throws -> BusConfiguration {
        let m = try node.mapping(allowed: ["name", "timeout", "request_gap", "echo", "meters"] + busKinds)
        guard let name = try m["name"]?.string(), !name.isEmpty else { throw node.error("every bus needs a name") }
        let kinds = busKinds.compactMap { key in m[key].map { (key, $0) } }
        guard kinds.count == 1, let (kind, linkNode) = kinds.first else {
            throw node.error("a bus needs exactly one of \(busKinds.joined(separator: ", "))")
        }
        let link = try decodeLink(kind: kind, linkNode)
        var bus = BusConfiguration(name: name, link: link)
        if let v = m["timeout"] {
            bus.timeout = try v.duration()
            guard bus.timeout >= .milliseconds(10) else { throw v.error("at least 10ms") }
        }
        if let v = m["request_gap"] { bus.requestGap = try v.duration() }
        if let v = m["echo"] { bus.echo = try v.bool() }
        guard let meters = m["meters"] else { throw node.error("bus \(name) lists no meters") }
        bus.meters = try meters.sequence().map { try decodeMeter($0, link: link) }
        guard !bus.meters.isEmpty else { throw meters.error("bus \(name) lists no meters") }
        return bus
    }

    private static func decodeMeter(_ node: ConfigNode, link: BusLink) throws -> MeterConfiguration {
        let m = try node.mapping(allowed: [
            "name", "address", "secondary_address", "device_address", "interval", "groups", "max_registers",
            "request_gap", "offline_after", "allow_commands",
        ])
        guard let nameNode = m["name"] else { throw node.error("every meter needs a name (its topic level)") }
        let name = try nameNode.string()
        guard !name.isEmpty, !name.contains(where: { "/+#".contains($0) }), name != "bridge" else {
            throw nameNode.error("a meter name is one topic level: no /, + or #, and not \"bridge\"")
        }
        var meter = MeterConfiguration(name: name, address: nil)
        try decodeAddress(m, node: node, link: link, into: &meter)
        if let v = m["interval"] { meter.intervals = MeterConfiguration.defaultIntervals(try v.duration()) }
        if let v = m["groups"] {
            for (group, interval) in try v.mapping(allowed: PollGroup.allCases.map(\.rawValue)) {
                meter.intervals[PollGroup(rawValue: group)!] = try interval.duration()
            }
        }
        if let v = m["max_registers"] { meter.maxRegisters = try v.int(in: 2...125) }
        if let v = m["request_gap"] { meter.requestGap = try v.duration() }
        if let v = m["offline_after"] { meter.offlineAfter = try v.int(in: 1...1000) }
        // The optical port is read-only: nothing to allow by default.
        if link.protocol == .iec62056 { meter.allowCommands = [] }
        if let v = m["allow_commands"] {
            meter.allowCommands = try v.stringList()
            let writable = RegisterTable.pro380.writable.filter { $0.write.map { link.protocol.canWrite($0) } ?? false }
            for (index, key) in meter.allowCommands.enumerated() where !writable.contains(where: { $0.key == key }) {
                let reason =
                    RegisterTable.pro380[key]?.isWritable == true
                    ? "\(key) cannot be written over \(link.protocol.displayName)"
                    : "\(key) is not a writable key"
                let allowed =
                    writable.isEmpty
                    ? "nothing is writable here" : "writable here: " + writable.map(\.key).joined(separator: ", ")
                throw ConfigurationError(
                    file: v.file,
                    line: v.line,
                    key: "\(v.path)[\(index)]",
                    message: "\(reason); \(allowed)"
                )
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
            guard busNames.insert(bus.name).inserted else {
                throw busNodes[index].error("bus name \(bus.name) is used twice")
            }
            if let earlier = config.buses[..<index].first(where: { $0.link.endpoint == bus.link.endpoint }) {
                throw busNodes[index].error(
                    "\(bus.link.endpoint) is already bus \(earlier.name): a bus has one owner; list all its meters there"
                )
            }
            var addresses = Set<String>()
            let meterNodes = try busNodes[index].mapping(
                allowed: ["name", "timeout", "request_gap", "echo", "meters"] + busKinds
            )["meters"]!.sequence()
            for (mi, meter) in bus.meters.enumerated() {
                guard meterNames.insert(meter.name).inserted else {
                    throw meterNodes[mi].error("meter name \(meter.name) is used twice (names are topic levels)")
                }
                let address = meter.address.map(String.init) ?? meter.secondaryAddress ?? meter.deviceAddress ?? ""
                guard addresses.insert(address).inserted else {
                    throw meterNodes[mi].error(
                        "address \(address.isEmpty ? "(none)" : address) is used twice on bus \(bus.name)"
                    )
                }
            }
        }
    }
}

extension BridgeConfiguration {
    private static func decodeLink(kind: String, _ node: ConfigNode) throws -> BusLink {
        switch kind {
        case "modbus_rtu", "mbus_serial":
            let modbus = kind == "modbus_rtu"
            let l = try node.mapping(allowed: modbus ? ["device", "baud", "parity", "stop_bits"] : ["device", "baud"])
            guard let device = try l["device"]?.string() else { throw node.error("\(kind) needs device") }
            var settings = LineSettings(baudRate: modbus ? 9600 : 2400, dataBits: 8, parity: .even, stopBits: 1)
            if let v = l["baud"] {
                settings.baudRate = try v.int()
                let allowed =
                    modbus
                    ? [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]
                    : [300, 600, 1200, 2400, 4800, 9600]
                guard allowed.contains(settings.baudRate) else {
                    throw v.error(
                        "\(settings.baudRate) is not a baud rate of this bus; allowed: \(allowed.map(String.init).joined(separator: ", "))"
                    )
                }
            }
            if let v = l["parity"] {
                guard let parity = LineSettings.Parity(rawValue: try v.string()) else {
                    throw v.error("even, none or odd")
                }
                settings.parity = parity
            }
            if let v = l["stop_bits"] { settings.stopBits = try v.int(in: 1...2) }
            return modbus
                ? .modbusRTU(device: device, settings: settings) : .mbusSerial(device: device, settings: settings)
        case "iec62056":
            let l = try node.mapping(allowed: ["device", "host", "port", "baud", "mode", "fixed_speed"])
            if let v = l["mode"], try v.string().uppercased() != "C" { throw v.error("only mode C is supported") }
            if let host = try l["host"]?.string() {
                guard l["device"] == nil else { throw node.error("give device or host, not both") }
                guard let port = try l["port"]?.int(in: 1...65535) else {
                    throw node.error("iec62056 over TCP needs port")
                }
                return .iec62056TCP(host: host, port: port)
            }
            guard let device = try l["device"]?.string() else {
                throw node.error("iec62056 needs device (or host and port)")
            }
            let baud = try l["baud"]?.int() ?? 300
            guard [300, 600, 1200, 2400, 4800, 9600, 19200].contains(baud) else {
                throw l["baud"]!.error("a mode C speed: 300 to 19200")
            }
            let fixed = try l["fixed_speed"]?.bool() ?? false
            return .iec62056Serial(device: device, baudRate: baud, fixedSpeed: fixed)
        default:
            let l = try node.mapping(allowed: ["host", "port"])
            guard let host = try l["host"]?.string() else { throw node.error("\(kind) needs host") }
            guard let port = try l["port"]?.int(in: 1...65535) ?? (kind == "mbus_tcp" ? nil : 502) else {
                throw node.error("\(kind) needs port")
            }
            switch kind {
            case "modbus_tcp": return .modbusTCP(host: host, port: port)
            case "modbus_rtu_over_tcp": return .modbusRTUOverTCP(host: host, port: port)
            default: return .mbusTCP(host: host, port: port)
            }
        }
    }

    private static func decodeAddress(
        _ m: [String: ConfigNode],
        node: ConfigNode,
        link: BusLink,
        into meter: inout MeterConfiguration
    ) throws {
        switch link.protocol {
        case .modbus:
            guard let v = m["address"] else {
                throw node.error("meter \(meter.name) needs an address (Modbus unit id 1..247)")
            }
            meter.address = try v.int(in: 1...247)
            for key in ["secondary_address", "device_address"] where m[key] != nil {
                throw m[key]!.error("not used on a Modbus bus")
            }
        case .mbus:
            if let v = m["address"] {
                let address = try v.int(in: 0...254)
                guard address <= 250 || address == 254 else {
                    throw v.error("M-Bus primary address 0..250, or 254 for a lone meter")
                }
                meter.address = address
            }
            if let v = m["secondary_address"] {
                let text = try v.string()
                guard text.count == 8, text.allSatisfy(\.isNumber) else {
                    throw v.error("8 decimal digits, e.g. \"13070042\"")
                }
                meter.secondaryAddress = text
            }
            guard (meter.address == nil) != (meter.secondaryAddress == nil) else {
                throw node.error("an M-Bus meter needs exactly one of address (primary) or secondary_address")
            }
            if let v = m["device_address"] { throw v.error("not used on an M-Bus bus") }
        case .iec62056:
            if let v = m["device_address"] {
                let text = try v.string()
                guard text.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") })
                else {
                    throw v.error("up to 32 letters or digits")
                }
                meter.deviceAddress = text
            }
            for key in ["address", "secondary_address"] where m[key] != nil {
                throw m[key]!.error("not used on an iec62056 bus (use device_address)")
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
