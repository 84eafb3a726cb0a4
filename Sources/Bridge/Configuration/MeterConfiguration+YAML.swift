import PRO380

extension BridgeConfiguration {
    static let meterKeys = [
        "name", "address", "secondary_address", "device_address", "interval", "groups", "max_registers",
        "request_gap", "offline_after", "allow_commands",
    ]

    /// A `meters[]` entry as far as it decoded: the meter when the entry has no problem, and its name and address
    /// whenever those decoded, so that the uniqueness checks (`checkUnique`) also see an entry with other problems
    /// and every problem of the file is reported at once.
    struct DecodedMeter {
        var node: ConfigNode
        /// The `name` node and its value, when the name decoded.
        var name: (node: ConfigNode, value: String)?
        /// The address that identifies the meter on its bus (unit id, primary, secondary or device address; empty
        /// for an optical meter without one), when it decoded.
        var address: String?
        /// The meter, `nil` when the entry has any problem.
        var meter: MeterConfiguration?
    }

    /// Decodes one `meters[]` entry, recording every problem; its `meter` is `nil` when it has any.
    static func decodeMeter(_ node: ConfigNode, meterProtocol: BusLink.MeterProtocol) -> DecodedMeter {
        var decoded = DecodedMeter(node: node)
        let problemsBefore = node.problems.count
        guard let m = node.attempt({ try node.mapping(allowed: meterKeys) }) else { return decoded }
        var meter = MeterConfiguration(name: "", address: nil)
        if let nameNode = m["name"] {
            meter.name =
                nameNode.attempt {
                    let name = try nameNode.string()
                    guard !name.isEmpty, !name.contains(where: { "/+#".contains($0) }), name != "bridge" else {
                        throw nameNode.error("a meter name is one topic level: no /, + or #, and not \"bridge\"")
                    }
                    decoded.name = (nameNode, name)
                    return name
                } ?? ""
        } else if let error = node.missing("name", "every meter needs a name (its topic level)") {
            node.problems.record(error)
        }
        let problemsBeforeAddress = node.problems.count
        node.attempt { try decodeAddress(m, node: node, meterProtocol: meterProtocol, into: &meter) }
        // Only an address that decoded identifies the meter (an optical one may have none): a missing or misspelt
        // `address` in two entries is not "the same address".
        if node.problems.count == problemsBeforeAddress,
            meter.address != nil || meter.secondaryAddress != nil || meterProtocol == .iec62056
        {
            decoded.address = meter.address.map(String.init) ?? meter.secondaryAddress ?? meter.deviceAddress ?? ""
        }
        if let v = m["interval"], let interval = v.attempt({ try v.duration() }) {
            meter.intervals = MeterConfiguration.defaultIntervals(interval)
        }
        if let v = m["groups"],
            let groups = v.attempt({ try v.mapping(allowed: PollGroup.allCases.map(\.rawValue)) })
        {
            for (group, interval) in groups {
                if let duration = interval.attempt({ try interval.duration() }) {
                    meter.intervals[PollGroup(rawValue: group)!] = duration
                }
            }
        }
        if let v = m["max_registers"] { meter.maxRegisters = v.attempt { try v.int(in: 2...125) } ?? 125 }
        if let v = m["request_gap"] { meter.requestGap = v.attempt { try v.duration() } }
        if let v = m["offline_after"] { meter.offlineAfter = v.attempt { try v.int(in: 1...1000) } ?? 3 }
        // The optical port is read-only, a listen-only bus is never written: nothing to allow by default.
        if meterProtocol == .iec62056 || meterProtocol == .modbusListen {
            meter.allowCommands = []
        }
        if meterProtocol == .modbusListen { refuseSendingKeys(m) }
        if let v = m["allow_commands"], let keys = v.attempt({ try v.stringList() }) {
            meter.allowCommands = keys
            checkAllowCommands(keys, node: v, meterProtocol: meterProtocol)
        }
        for (group, interval) in meter.intervals.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where interval < .milliseconds(100) {
            node.problems.record(
                node.error("the \(group.rawValue) interval \(DurationText.format(interval)) is below 100ms")
            )
        }
        if node.problems.count == problemsBefore { decoded.meter = meter }
        return decoded
    }

    private static func checkAllowCommands(_ keys: [String], node: ConfigNode, meterProtocol: BusLink.MeterProtocol) {
        let writable = RegisterTable.pro380.writable.filter { $0.write.map(meterProtocol.canWrite) ?? false }
        for (index, key) in keys.enumerated() where !writable.contains(where: { $0.key == key }) {
            let protocolName: String
            switch meterProtocol {
            case .modbus: protocolName = "Modbus"
            case .mbus: protocolName = "M-Bus"
            case .iec62056: protocolName = "the optical port (IEC 62056-21)"
            case .modbusListen: protocolName = "a listen-only bus (modbus_rtu_listen)"
            }
            let reason =
                RegisterTable.pro380[key]?.isWritable == true
                ? "\(key) cannot be written over \(protocolName)"
                : "\(key) is not a writable key"
            let allowed =
                writable.isEmpty
                ? "nothing is writable here" : "writable here: " + writable.map(\.key).joined(separator: ", ")
            node.problems.record(
                ConfigurationError(
                    file: node.file,
                    line: node.line,
                    key: "\(node.path)[\(index)]",
                    message: "\(reason); \(allowed)"
                )
            )
        }
    }

    private static func decodeAddress(
        _ m: [String: ConfigNode],
        node: ConfigNode,
        meterProtocol: BusLink.MeterProtocol,
        into meter: inout MeterConfiguration
    ) throws {
        switch meterProtocol {
        case .modbus, .modbusListen:
            guard let v = m["address"] else {
                if let error = node.missing("address", "meter \(meter.name) needs an address (Modbus unit id 1..247)") {
                    throw error
                }
                return
            }
            meter.address = v.attempt { try v.int(in: 1...247) }
            for key in ["secondary_address", "device_address"] where m[key] != nil {
                node.problems.record(m[key]!.error("not used on a Modbus bus"))
            }
        case .mbus:
            if let v = m["address"] {
                meter.address = v.attempt {
                    let address = try v.int(in: 0...254)
                    guard address <= 250 || address == 254 else {
                        throw v.error("M-Bus primary address 0..250, or 254 for a lone meter")
                    }
                    return address
                }
            }
            if let v = m["secondary_address"] {
                meter.secondaryAddress = v.attempt {
                    let text = try v.string()
                    guard text.count == 8, text.allSatisfy(\.isNumber) else {
                        throw v.error("8 decimal digits, e.g. \"13070042\"")
                    }
                    return text
                }
            }
            guard (m["address"] == nil) != (m["secondary_address"] == nil) else {
                let message = "an M-Bus meter needs exactly one of address (primary) or secondary_address"
                if let error = node.missing(m["address"] == nil ? "address" : "", message) { throw error }
                return
            }
            if let v = m["device_address"] { node.problems.record(v.error("not used on an M-Bus bus")) }
        case .iec62056:
            if let v = m["device_address"] {
                meter.deviceAddress = v.attempt {
                    let text = try v.string()
                    guard text.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") })
                    else {
                        throw v.error("up to 32 letters or digits")
                    }
                    return text
                }
            }
            for key in ["address", "secondary_address"] where m[key] != nil {
                node.problems.record(m[key]!.error("not used on an iec62056 bus (use device_address)"))
            }
        }
    }
}
