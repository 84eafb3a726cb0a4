import Foundation
import PRO380
import SerialIO

extension BridgeConfiguration {
    static let busKinds = [
        "modbus_rtu", "modbus_tcp", "modbus_rtu_over_tcp", "modbus_rtu_listen", "mbus_serial", "mbus_tcp", "iec62056",
    ]
    /// The keys a listen-only bus refuses, on the bus and on its meters: the bridge never sends there.
    static let sendingKeys = ["timeout", "request_gap", "echo", "max_registers"]
    static let busKeys = ["name", "timeout", "request_gap", "echo", "meters"] + busKinds

    /// A `buses[]` entry as far as it decoded: the bus when its name and link decoded (with the meters that have
    /// no problem), its name and endpoint whenever those decoded, and every meter entry, so that the uniqueness
    /// checks (`checkUnique`) also see entries with other problems.
    struct DecodedBus {
        var node: ConfigNode
        var name: String?
        var endpoint: String?
        var meters: [DecodedMeter]
        var bus: BusConfiguration?
    }

    /// Decodes one `buses[]` entry, recording every problem; `nil` when it is not a mapping or names no single link
    /// kind (its meters cannot be decoded without the protocol).
    static func decodeBus(_ node: ConfigNode, files: ConfigFiles) -> DecodedBus? {
        guard let m = node.attempt({ try node.mapping(allowed: busKeys) }) else { return nil }
        let name = m["name"].flatMap { v in v.attempt { try v.string() } }
        if m["name"] == nil || name?.isEmpty == true { node.problems.record(node.error("every bus needs a name")) }
        let kinds = busKinds.compactMap { key in m[key].map { (key, $0) } }
        guard kinds.count == 1, let (kind, linkNode) = kinds.first else {
            node.problems.record(node.error("a bus needs exactly one of \(busKinds.joined(separator: ", "))"))
            return nil
        }
        let link = linkNode.attempt { try decodeLink(kind: kind, linkNode, files: files) }
        var bus = link.map { BusConfiguration(name: name ?? "", link: $0) }
        if kind == "modbus_rtu_listen" { refuseSendingKeys(m) }
        if let v = m["timeout"], let timeout = v.attempt({ try v.duration() }) {
            if timeout < .milliseconds(10) { v.problems.record(v.error("at least 10ms")) }
            bus?.timeout = timeout
        }
        if let v = m["request_gap"], let gap = v.attempt({ try v.duration() }) { bus?.requestGap = gap }
        if let v = m["echo"], let echo = v.attempt({ try v.bool() }) { bus?.echo = echo }
        var decoded = DecodedBus(
            node: node,
            name: name?.isEmpty == false ? name : nil,
            endpoint: link?.endpoint,
            meters: []
        )
        guard let metersNode = m["meters"] else {
            node.problems.record(node.error("bus \(name ?? "") lists no meters"))
            return decoded
        }
        guard let meterNodes = metersNode.attempt({ try metersNode.sequence() }) else { return decoded }
        if meterNodes.isEmpty { metersNode.problems.record(metersNode.error("bus \(name ?? "") lists no meters")) }
        let meterProtocol = protocolOf(kind: kind)
        decoded.meters = meterNodes.map { decodeMeter($0, meterProtocol: meterProtocol) }
        if var bus, decoded.name != nil {
            bus.meters = decoded.meters.compactMap(\.meter)
            decoded.bus = bus
        }
        return decoded
    }

    static func protocolOf(kind: String) -> BusLink.MeterProtocol {
        switch kind {
        case "mbus_serial", "mbus_tcp": return .mbus
        case "iec62056": return .iec62056
        case "modbus_rtu_listen": return .modbusListen
        default: return .modbus
        }
    }

    /// Records a problem for each key of `m` that only a sending bus uses (`sendingKeys`).
    static func refuseSendingKeys(_ m: [String: ConfigNode]) {
        for key in sendingKeys {
            guard let v = m[key] else { continue }
            v.problems.record(v.error("not used on a listen-only bus (modbus_rtu_listen): the bridge never sends"))
        }
    }

    /// The line speeds a PRO380 can be set to (the register table's `baud_rate` values, manual A2.2 and A3.2).
    static var meterBaudRates: [Int] {
        guard case .oneOf(let rates) = RegisterTable.pro380["baud_rate"]?.write?.allowed else { return [] }
        return rates.map { NSDecimalNumber(decimal: $0).intValue }
    }

    private static func decodeLink(kind: String, _ node: ConfigNode, files: ConfigFiles) throws -> BusLink {
        switch kind {
        case "modbus_rtu", "modbus_rtu_listen", "mbus_serial":
            let modbus = kind != "mbus_serial"
            let l = try node.mapping(allowed: modbus ? ["device", "baud", "parity", "stop_bits"] : ["device", "baud"])
            guard let deviceNode = l["device"] else { throw node.error("\(kind) needs device") }
            let device = try deviceNode.string()
            files.checkDevice(deviceNode, path: device)
            var settings = LineSettings(baudRate: modbus ? 9600 : 2400, dataBits: 8, parity: .even, stopBits: 1)
            if let v = l["baud"], let baud = v.attempt({ try v.int() }) {
                let allowed = meterBaudRates
                if allowed.contains(baud) {
                    settings.baudRate = baud
                } else {
                    v.problems.record(
                        v.error(
                            "\(baud) baud is not a speed a PRO380 runs at on \(modbus ? "Modbus" : "M-Bus"); allowed: "
                                + allowed.map(String.init).joined(separator: ", ")
                        )
                    )
                }
            }
            if let v = l["parity"] {
                settings.parity =
                    v.attempt {
                        guard let parity = LineSettings.Parity(rawValue: try v.string()) else {
                            throw v.error("expected even, none or odd, got \(v.describe())")
                        }
                        return parity
                    } ?? settings.parity
            }
            if let v = l["stop_bits"] { settings.stopBits = v.attempt { try v.int(in: 1...2) } ?? settings.stopBits }
            switch kind {
            case "modbus_rtu": return .modbusRTU(device: device, settings: settings)
            case "modbus_rtu_listen": return .modbusRTUListen(device: device, settings: settings)
            default: return .mbusSerial(device: device, settings: settings)
            }
        case "iec62056":
            let l = try node.mapping(allowed: ["device", "host", "port", "baud", "mode", "fixed_speed"])
            if let v = l["mode"], v.attempt({ try v.string().uppercased() }) != "C" {
                v.problems.record(v.error("only mode C is supported"))
            }
            if let host = try l["host"]?.string() {
                guard l["device"] == nil else { throw node.error("give device or host, not both") }
                guard let port = try l["port"]?.port() else {
                    throw node.error("iec62056 over TCP needs port")
                }
                return .iec62056TCP(host: host, port: port)
            }
            guard let deviceNode = l["device"] else { throw node.error("iec62056 needs device (or host and port)") }
            let device = try deviceNode.string()
            files.checkDevice(deviceNode, path: device)
            var baud = 300
            if let v = l["baud"], let value = v.attempt({ try v.int() }) {
                if [300, 600, 1200, 2400, 4800, 9600, 19200].contains(value) {
                    baud = value
                } else {
                    v.problems.record(v.error("a mode C speed: 300, 600, 1200, 2400, 4800, 9600 or 19200"))
                }
            }
            let fixed = l["fixed_speed"].flatMap { v in v.attempt { try v.bool() } } ?? false
            return .iec62056Serial(device: device, baudRate: baud, fixedSpeed: fixed)
        default:
            let l = try node.mapping(allowed: ["host", "port"])
            guard let host = try l["host"]?.string() else { throw node.error("\(kind) needs host") }
            guard let port = try l["port"]?.port() ?? (kind == "mbus_tcp" ? nil : 502) else {
                throw node.error("\(kind) needs port")
            }
            switch kind {
            case "modbus_tcp": return .modbusTCP(host: host, port: port)
            case "modbus_rtu_over_tcp": return .modbusRTUOverTCP(host: host, port: port)
            default: return .mbusTCP(host: host, port: port)
            }
        }
    }
}
