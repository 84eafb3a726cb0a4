import Foundation
import SerialIO

extension MBusScanner {
    /// The ready-to-paste `buses:` block for the meters found on `link`.
    ///
    /// A meter found alone at a primary address gets `address: N`; any other (several meters sharing a primary
    /// address, typically the default 0) gets `secondary_address: "NNNNNNNN"`. Names are `meter-<serial>`, as the
    /// Modbus scan suggests them (`ScannedMeterName`), and the entries have the same form. Example:
    /// ```yaml
    /// buses:
    ///   - name: mbus
    ///     mbus_serial: {device: /dev/ttyUSB0, baud: 2400}
    ///     meters:
    ///       - {name: meter-13070042, address: 5}                       # serial 13070042, INM version 1
    ///       - {name: meter-13070043, secondary_address: "13070043"}    # serial 13070043, INM version 1
    /// ```
    package static func configurationYAML(_ meters: [FoundMeter], link: BusLink, busName: String = "mbus") -> String {
        var lines = ["buses:", "  - name: \(busName)"]
        switch link {
        case .mbusSerial(let device, let settings):
            lines.append("    mbus_serial: {device: \(device), baud: \(settings.baudRate)}")
        case .mbusTCP(let host, let port):
            lines.append("    mbus_tcp: {host: \(host), port: \(port)}")
        default:
            lines.append("    \(link.configKey): {}")
        }
        if meters.isEmpty {
            lines.append("    meters: []                            # no meter answered")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("    meters:")
        for meter in meters {
            let name = ScannedMeterName.suggested(
                serialNumber: meter.serialNumber,
                address: meter.primaryAddress.map(Int.init) ?? 0
            )
            let comment = "# serial \(meter.serialNumber), \(meter.manufacturer) version \(meter.version)"
            let entry: String
            if let primary = meter.primaryAddress {
                entry = "- {name: \(name), address: \(primary)}"
            } else {
                entry = "- {name: \(name), secondary_address: \"\(meter.serialNumber)\"}"
            }
            lines.append("      " + entry.padding(toLength: 60, withPad: " ", startingAt: 0) + " " + comment)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
