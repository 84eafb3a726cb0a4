package import Logging
package import SerialIO

extension BusLink {
    /// The serial settings the link is configured with (the 300 baud 7E1 sign-on settings for IEC 62056-21);
    /// `nil` over TCP.
    package var serialSettings: LineSettings? {
        switch self {
        case .modbusRTU(_, let settings), .mbusSerial(_, let settings), .modbusRTUListen(_, let settings):
            return settings
        case .iec62056Serial(_, let baudRate, _): return Self.signOn(baudRate: baudRate)
        case .modbusTCP, .modbusRTUOverTCP, .mbusTCP, .iec62056TCP: return nil
        }
    }

    /// How a `BusLine` opens this link, for every protocol: a `SerialPort` on the device at the settings the line
    /// remembers (the configured ones until a command changes them), or a TCP connection to the gateway within
    /// `connectTimeout`. A listen-only link has none: its `ModbusListener` opens the device read-only itself, and a
    /// transport (which can write) is refused.
    package func opener(
        connectTimeout: Duration,
        logger: Logger
    ) -> @Sendable (LineSettings?) async throws -> any Transport {
        switch self {
        case .modbusRTU(let device, let configured), .mbusSerial(let device, let configured):
            return Self.serialOpener(device: device, configured: configured, logger: logger)
        case .iec62056Serial(let device, let baudRate, _):
            return Self.serialOpener(device: device, configured: Self.signOn(baudRate: baudRate), logger: logger)
        case .modbusTCP(let host, let port), .modbusRTUOverTCP(let host, let port), .mbusTCP(let host, let port),
            .iec62056TCP(let host, let port):
            return { _ in try await TCPTransport.connect(host: host, port: port, timeout: connectTimeout) }
        case .modbusRTUListen(let device, _):
            return { _ in
                throw TransportError.connectFailed(
                    endpoint: device,
                    reason: "a listen-only bus is never opened to send"
                )
            }
        }
    }

    /// IEC 62056-21's sign-on settings: 7 data bits, even parity, 1 stop bit (mode C sign-on at the configured speed).
    private static func signOn(baudRate: Int) -> LineSettings {
        LineSettings(baudRate: baudRate, dataBits: 7, parity: .even, stopBits: 1)
    }

    private static func serialOpener(
        device: String,
        configured: LineSettings,
        logger: Logger
    ) -> @Sendable (LineSettings?) async throws -> any Transport {
        { settings in try SerialPort(device: device, settings: settings ?? configured, logger: logger) }
    }
}
