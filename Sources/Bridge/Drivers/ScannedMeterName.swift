/// The meter name `scan` suggests in its config block, one style for every protocol: `meter-<serial>`, or
/// `meter-<address>` when the serial number could not be read. Modbus once suggested `meter-13070042` and M-Bus
/// `pro380_13070042` for the same kind of meter; the name becomes a topic level (`pro380/meter-13070042/...`), where
/// repeating the base topic's `pro380` says nothing.
package enum ScannedMeterName {
    /// - Parameters:
    ///   - serialNumber: the meter's serial number as read (nil or "?" when it could not be read).
    ///   - address: the address it answered at, for a meter without a serial number.
    package static func suggested(serialNumber: String?, address: Int) -> String {
        guard let serialNumber, !serialNumber.isEmpty, serialNumber != "?" else { return "meter-\(address)" }
        return "meter-\(serialNumber)"
    }
}
