package import Logging
package import MQTT
package import PRO380
package import SerialIO

/// Everything the bridge runs from, decoded from the YAML config file (`BridgeConfiguration+YAML.swift`).
///
/// Every key with its type and default is documented once, in `SampleConfiguration.yaml` (printed by
/// `pro380-mqtt check-config --sample` and shipped as `config/example.yaml`).
package struct BridgeConfiguration: Sendable, Equatable {
    package var mqtt: MQTTSettings
    package var buses: [BusConfiguration]
    package var diagnosticsInterval: Duration
    /// Commands whose JSON `time` is older than this are refused (`command_max_age`, default 30 s).
    package var commandMaxAge: Duration = .seconds(30)
    /// Home Assistant MQTT discovery (`homeassistant:`), on by default.
    package var homeAssistant = HomeAssistantSettings()
    /// The durable outbox (`outbox:`); in memory unless set (the YAML loader sets the default file).
    package var outbox = OutboxSettings()
    /// The log level (`log_level`); `nil`: info, unless `--log-level` says otherwise (which wins).
    package var logLevel: Logger.Level?
    /// What runs but deserves a look (a serial device that is not there yet), with file, line and key.
    package var warnings: [ConfigurationError] = []
    /// Where the configuration came from, for messages.
    package var source: String

    package init(
        mqtt: MQTTSettings = MQTTSettings(),
        buses: [BusConfiguration] = [],
        diagnosticsInterval: Duration = .seconds(60),
        source: String = "<defaults>"
    ) {
        self.mqtt = mqtt
        self.buses = buses
        self.diagnosticsInterval = diagnosticsInterval
        self.source = source
    }

    /// Every meter with the bus it is on.
    package var meters: [(bus: BusConfiguration, meter: MeterConfiguration)] {
        buses.flatMap { bus in bus.meters.map { (bus, $0) } }
    }
}

/// The broker connection (`mqtt:`): the MQTT client's own configuration, decoded straight into its type, and the
/// two settings the bridge adds (the base topic and the QoS of its publications).
///
/// The client's fields read and write through (`settings.host`, `settings.clientID`, `settings.tls`); the will and
/// the birth message are the bridge's (`BridgeService.clientConfiguration`). Defaults: the client's, with the
/// client id `pro380-mqtt`.
@dynamicMemberLookup
package struct MQTTSettings: Sendable, Equatable {
    /// Host, port, client id, keepalive, credentials, TLS and protocol version.
    package var client = MQTTClientConfiguration(clientID: "pro380-mqtt")
    package var baseTopic = "pro380"
    package var qos = 1

    package init() {}

    package subscript<T>(dynamicMember keyPath: WritableKeyPath<MQTTClientConfiguration, T>) -> T {
        get { client[keyPath: keyPath] }
        set { client[keyPath: keyPath] = newValue }
    }

    /// The protocol version as configured: 5 (MQTT 5) or 3 (MQTT 3.1.1).
    package var version: Int {
        get { client.protocolVersion == .v311 ? 3 : 5 }
        set { client.protocolVersion = newValue == 3 ? .v311 : .v5 }
    }
}

/// One bus: a serial line or a gateway connection, owned by one bus actor (`buses[]`).
package struct BusConfiguration: Sendable, Equatable {
    package var name: String
    package var link: BusLink
    package var timeout: Duration
    package var requestGap: Duration
    package var echo: Bool
    package var meters: [MeterConfiguration]

    package init(
        name: String,
        link: BusLink,
        timeout: Duration? = nil,
        requestGap: Duration = .zero,
        echo: Bool = false,
        meters: [MeterConfiguration] = []
    ) {
        self.name = name
        self.link = link
        self.timeout = timeout ?? link.defaultTimeout
        self.requestGap = requestGap
        self.echo = echo
        self.meters = meters
    }
}

/// How a bus is reached and which protocol it speaks.
package enum BusLink: Sendable, Equatable {
    /// Modbus RTU on a serial line (`modbus_rtu: {device, baud, parity, stop_bits}`), default 9600 8E1.
    case modbusRTU(device: String, settings: LineSettings)
    /// Modbus TCP, MBAP framing (`modbus_tcp: {host, port}`), default port 502.
    case modbusTCP(host: String, port: Int)
    /// Modbus RTU frames through a transparent serial-to-TCP gateway (`modbus_rtu_over_tcp: {host, port}`).
    case modbusRTUOverTCP(host: String, port: Int)
    /// A Modbus RTU line that another master (a wallbox, a load balancer) already polls, listened to without ever
    /// transmitting (`modbus_rtu_listen: {device, baud, parity, stop_bits}`), default 9600 8E1.
    case modbusRTUListen(device: String, settings: LineSettings)
    /// M-Bus on a serial line through a level converter (`mbus_serial: {device, baud}`), default 2400 8E1.
    case mbusSerial(device: String, settings: LineSettings)
    /// M-Bus frames through a TCP gateway (`mbus_tcp: {host, port}`).
    case mbusTCP(host: String, port: Int)
    /// IEC 62056-21 optical readout on a serial optical head (`iec62056: {device, baud: 300, mode: C}`).
    /// `fixedSpeed` keeps the sign-on speed (heads that cannot switch).
    case iec62056Serial(device: String, baudRate: Int, fixedSpeed: Bool)
    /// IEC 62056-21 through a serial-to-TCP gateway (`iec62056: {host, port}`): always fixed speed.
    case iec62056TCP(host: String, port: Int)

    /// The protocol spoken on the bus.
    /// `modbusListen`: Modbus RTU traffic of another master, heard and decoded; the bridge never transmits.
    package enum MeterProtocol: String, Sendable {
        case modbus, mbus, iec62056
        case modbusListen = "modbus_listen"
    }

    package var `protocol`: MeterProtocol {
        switch self {
        case .modbusRTU, .modbusTCP, .modbusRTUOverTCP: return .modbus
        case .modbusRTUListen: return .modbusListen
        case .mbusSerial, .mbusTCP: return .mbus
        case .iec62056Serial, .iec62056TCP: return .iec62056
        }
    }

    /// The config key that selects this kind of bus.
    package var configKey: String {
        switch self {
        case .modbusRTU: return "modbus_rtu"
        case .modbusTCP: return "modbus_tcp"
        case .modbusRTUOverTCP: return "modbus_rtu_over_tcp"
        case .modbusRTUListen: return "modbus_rtu_listen"
        case .mbusSerial: return "mbus_serial"
        case .mbusTCP: return "mbus_tcp"
        case .iec62056Serial, .iec62056TCP: return "iec62056"
        }
    }

    /// `/dev/ttyUSB0` or `host:port`.
    package var endpoint: String {
        switch self {
        case .modbusRTU(let device, _), .mbusSerial(let device, _), .iec62056Serial(let device, _, _),
            .modbusRTUListen(let device, _):
            return device
        case .modbusTCP(let host, let port), .modbusRTUOverTCP(let host, let port), .mbusTCP(let host, let port),
            .iec62056TCP(let host, let port):
            return "\(host):\(port)"
        }
    }

    var defaultTimeout: Duration {
        switch self {
        case .modbusRTU, .modbusRTUListen: return .milliseconds(500)
        case .modbusTCP, .modbusRTUOverTCP: return .seconds(1)
        case .mbusSerial, .mbusTCP: return .seconds(1)
        case .iec62056Serial, .iec62056TCP: return .milliseconds(1500)
        }
    }
}

/// One meter on a bus (`buses[].meters[]`).
package struct MeterConfiguration: Sendable, Equatable {
    package var name: String
    /// Modbus unit id (1..247) or M-Bus primary address (0..250, 254 for a lone meter); `nil` for an M-Bus meter
    /// addressed by `secondaryAddress` or an IEC 62056-21 meter.
    package var address: Int?
    /// M-Bus secondary address: 8 digits, the identification number (`secondary_address: "13070042"`).
    package var secondaryAddress: String?
    /// IEC 62056-21 device address sent in the request message (`/?<address>!`), optional.
    package var deviceAddress: String?
    package var intervals: [PollGroup: Duration]
    package var maxRegisters: Int
    package var requestGap: Duration?
    package var offlineAfter: Int
    package var allowCommands: [String]

    /// Default intervals: instantaneous and energy every `interval`, identity hourly (and at start).
    package static func defaultIntervals(_ interval: Duration) -> [PollGroup: Duration] {
        [.instantaneous: interval, .energy: interval, .identity: .seconds(3600)]
    }

    package init(
        name: String,
        address: Int?,
        secondaryAddress: String? = nil,
        deviceAddress: String? = nil,
        intervals: [PollGroup: Duration] = MeterConfiguration.defaultIntervals(.seconds(10)),
        maxRegisters: Int = 125,
        requestGap: Duration? = nil,
        offlineAfter: Int = 3,
        allowCommands: [String] = ["tariff"]
    ) {
        self.name = name
        self.address = address
        self.secondaryAddress = secondaryAddress
        self.deviceAddress = deviceAddress
        self.intervals = intervals
        self.maxRegisters = maxRegisters
        self.requestGap = requestGap
        self.offlineAfter = offlineAfter
        self.allowCommands = allowCommands
    }
}
