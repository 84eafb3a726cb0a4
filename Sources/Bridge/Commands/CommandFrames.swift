import Modbus
package import PRO380
import PRO380Protocols

/// The bytes a validated command puts on the wire, for `pro380-mqtt write --dry-run`.
package enum CommandFrames {
    /// The Modbus ADU (RTU with CRC, or MBAP with transaction id 1) that writes `command` to `unit`.
    /// - Throws: `CommandError.notSupported` when the key has no Modbus write.
    package static func modbus(_ command: MeterCommand, unit: UInt8, link: BusLink) throws -> [UInt8] {
        let request = try command.modbusRequest()
        if case .modbusTCP = link { return TCPFraming.encode(transactionID: 1, unit: unit, request: request) }
        return RTUFraming.encode(unit: unit, request: request)
    }
}
