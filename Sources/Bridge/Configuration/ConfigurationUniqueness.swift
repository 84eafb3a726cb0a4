extension BridgeConfiguration {
    /// Bus names, bus endpoints and meter names are unique over the file; addresses unique on their bus.
    ///
    /// It runs over every entry as far as it decoded, not only the entries without problems: a meter whose name is
    /// used twice is reported also when the same entry has another problem (an invalid interval, say), so one run
    /// of `check-config` names both. Each error is on the second entry (file, line, key) and names the line of the
    /// first.
    static func checkUnique(_ buses: [DecodedBus]) {
        var busNames: [String: ConfigNode] = [:]
        var endpoints: [String: (bus: String, node: ConfigNode)] = [:]
        var meterNames: [String: ConfigNode] = [:]
        for bus in buses {
            if let name = bus.name {
                if let first = busNames[name] {
                    bus.node.problems.record(bus.node.error("bus name \(name) is used twice\(Self.first(first))"))
                } else {
                    busNames[name] = bus.node
                }
            }
            if let endpoint = bus.endpoint {
                if let earlier = endpoints[endpoint] {
                    bus.node.problems.record(
                        bus.node.error(
                            "\(endpoint) is already bus \(earlier.bus)\(Self.first(earlier.node)): a bus has one owner; list all its meters there"
                        )
                    )
                } else {
                    endpoints[endpoint] = (bus.name ?? "", bus.node)
                }
            }
            var addresses: [String: ConfigNode] = [:]
            for meter in bus.meters {
                if let (nameNode, name) = meter.name {
                    if let first = meterNames[name] {
                        nameNode.problems.record(
                            nameNode.error(
                                "meter name \(name) is used twice (names are topic levels)\(Self.first(first))"
                            )
                        )
                    } else {
                        meterNames[name] = nameNode
                    }
                }
                guard let address = meter.address else { continue }
                if let first = addresses[address] {
                    meter.node.problems.record(
                        meter.node.error(
                            "address \(address.isEmpty ? "(none)" : address) is used twice on bus \(bus.name ?? "")\(Self.first(first))"
                        )
                    )
                } else {
                    addresses[address] = meter.node
                }
            }
        }
    }

    /// `; first at line 7`, naming where the first of two entries is (nothing when its line is unknown).
    private static func first(_ node: ConfigNode) -> String {
        node.line.map { "; first at line \($0)" } ?? ""
    }
}
