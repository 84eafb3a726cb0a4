/// Configured meters that read the same serial number: one physical meter configured twice, typically over two
/// protocols (its Modbus or M-Bus interface and its optical port, as `simulate --mbus --iec62056` prints), or
/// through two gateways.
///
/// Home Assistant ids are built from the serial number, so such meters would share their unique ids and entities
/// would flip between them. The first of them in config order keeps the plain ids (`pro380_<serial>_<key>`); each
/// other one gets its meter name in its ids (`pro380_<serial>_<meter>_<key>`) and so its own device. A value: no I/O.
package struct SharedSerials: Sendable, Equatable {
    /// Meter names by serial number, in config order, for the serials read by two or more meters.
    package private(set) var groups: [String: [String]] = [:]

    /// - Parameter meters: every configured meter in config order, with its serial number once read.
    package init(meters: [(name: String, serial: String?)]) {
        var bySerial: [String: [String]] = [:]
        for meter in meters {
            guard let serial = meter.serial else { continue }
            bySerial[serial, default: []].append(meter.name)
        }
        groups = bySerial.filter { $0.value.count > 1 }
    }

    /// What `meter`'s Home Assistant ids carry after its serial number: nothing, or its name when an earlier meter
    /// of the config reads the same serial number.
    package func qualifier(for meter: String) -> String? {
        for names in groups.values where names.contains(meter) {
            return names.first == meter ? nil : meter
        }
        return nil
    }

    /// The warning for the meters that read `serial`.
    package static func warning(serial: String, meters: [String]) -> String {
        let list = meters.dropLast().joined(separator: ", ") + " and " + (meters.last ?? "")
        return "meters \(list) read the same serial number \(serial): one physical meter configured "
            + "\(meters.count) times (over Modbus or M-Bus and its optical port?). Each gets its own Home Assistant "
            + "device (the ids of all but \(meters[0]) carry the meter name); remove the extra entries unless "
            + "both readings are wanted"
    }
}
