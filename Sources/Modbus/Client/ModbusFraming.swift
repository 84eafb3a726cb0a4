/// How Modbus frames travel on a transport.
///
/// - `rtu`: RTU ADUs (unit, PDU, CRC) on a serial line.
/// - `tcp`: Modbus TCP, MBAP header and PDU, on a TCP connection (a gateway in "Modbus TCP" mode).
/// - `rtuOverTCP`: RTU ADUs on a TCP connection (a transparent serial server / gateway in "RTU over TCP" mode).
package enum ModbusFraming: String, Sendable, Equatable, Hashable, CaseIterable, CustomStringConvertible {
    case rtu
    case tcp
    case rtuOverTCP

    /// The configuration value that selects this framing: `modbus_rtu`, `modbus_tcp`, `modbus_rtu_over_tcp`.
    package var configurationName: String {
        switch self {
        case .rtu: return "modbus_rtu"
        case .tcp: return "modbus_tcp"
        case .rtuOverTCP: return "modbus_rtu_over_tcp"
        }
    }

    /// Whether frames carry the RTU envelope (address and CRC).
    package var usesRTUEnvelope: Bool { self != .tcp }

    package var description: String { configurationName }
}
