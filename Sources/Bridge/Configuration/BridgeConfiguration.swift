package import PRO380
package import SerialIO

/// Everything the bridge runs from, decoded from the YAML config file (`BridgeConfiguration+YAML.swift`).
///
/// Keys, types and defaults (durations are written `500ms`, `10s`, `5m`, `1h`):
/// ```yaml
/// mqtt:
///   host: 127.0.0.1            # default 127.0.0.1
///   port: 1883                 # default 1883 (8883 is usual with tls)
///   client_id: pro380-mqtt     # default pro380-mqtt; every bridge instance on one broker needs its own
///   base_topic: pro380         # default pro380
///   version: 5                 # 5 (default) or 3 (MQTT 3.1.1)
///   qos: 1                     # 0 or 1 (default 1) for readings
///   keepalive: 30s             # default 30s
///   username: user             # optional
///   password_file: /etc/pro380-mqtt/password   # optional; else $PRO380_MQTT_PASSWORD
///   tls: {ca_file: ca.pem, cert_file: client.pem, key_file: client.key, insecure: false}
/// diagnostics_interval: 60s    # default 60s: <base>/bridge/diagnostics and <base>/<meter>/diagnostics
/// buses:
///   - name: basement           # unique
///     modbus_rtu: {device: /dev/ttyUSB0, baud: 9600, parity: even, stop_bits: 1}
///     # or modbus_tcp: {host, port: 502} or modbus_rtu_over_tcp: {host, port}
///     timeout: 500ms           # reply timeout (default 500ms; 1s over TCP)
///     request_gap: 0ms         # extra silence before every request (default 0)
///     echo: false              # the adapter echoes what it sends (RS485 without echo suppression)
///     meters:
///       - name: main           # unique over the whole file; the topic level <meter>
///         address: 1           # Modbus unit id 1..247
///         interval: 10s        # default 10s: instantaneous and energy groups
///         groups: {instantaneous: 5s, energy: 30s, identity: 1h}   # per-group intervals (override interval)
///         max_registers: 125   # largest read the meter accepts (default 125)
///         request_gap: 0ms     # overrides the bus's
///         offline_after: 3     # failed polls in a row before availability goes offline (default 3)
///         allow_commands: [tariff]   # keys that MQTT commands may write (default [tariff])
/// ```
package struct BridgeConfiguration: Sendable, Equatable {
    package var mqtt: MQTTSettings
    package var buses: [BusConfiguration]
    package var diagnosticsInterval: Duration
    /// Where the configuration came from, for messages.
    package var source: String

    package init(mqtt: MQTTSettings = MQTTSettings(), buses: [BusConfiguration] = [], diagnosticsInterval: Duration = .seconds(60), source: String = "<defaults>") {
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

/// The broker connection (`mqtt:`).
package struct MQTTSettings: Sendable, Equatable {
    package var host = "127.0.0.1"
    package var port = 1883
    package var clientID = "pro380-mqtt"
    package var baseTopic = "pro380"
    package var version = 5
    package var qos = 1
    package var keepAlive: Duration = .seconds(30)
    package var username: String?
    package var password: String?
    package var tls: TLSSettings?

    package init() {}
}

/// TLS towards the broker (`mqtt.tls:`).
package struct TLSSettings: Sendable, Equatable {
    package var caFile: String
    package var certFile: String?
    package var keyFile: String?
    package var insecure = false

    package init(caFile: String, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
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

    package init(name: String, link: BusLink, timeout: Duration? = nil, requestGap: Duration = .zero, echo: Bool = false, meters: [MeterConfiguration] = []) {
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

    /// The config key that selects this kind of bus.
    package var configKey: String {
        switch self {
        case .modbusRTU: return "modbus_rtu"
        case .modbusTCP: return "modbus_tcp"
        case .modbusRTUOverTCP: return "modbus_rtu_over_tcp"
        }
    }

    /// `/dev/ttyUSB0` or `host:port`.
    package var endpoint: String {
        switch self {
        case .modbusRTU(let device, _): return device
        case .modbusTCP(let host, let port), .modbusRTUOverTCP(let host, let port): return "\(host):\(port)"
        }
    }

    var defaultTimeout: Duration {
        switch self {
        case .modbusRTU: return .milliseconds(500)
        case .modbusTCP, .modbusRTUOverTCP: return .seconds(1)
        }
    }
}

/// One meter on a bus (`buses[].meters[]`).
package struct MeterConfiguration: Sendable, Equatable {
    package var name: String
    package var address: Int
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
        name: String, address: Int, intervals: [PollGroup: Duration] = MeterConfiguration.defaultIntervals(.seconds(10)),
        maxRegisters: Int = 125, requestGap: Duration? = nil, offlineAfter: Int = 3, allowCommands: [String] = ["tariff"]
    ) {
        self.name = name
        self.address = address
        self.intervals = intervals
        self.maxRegisters = maxRegisters
        self.requestGap = requestGap
        self.offlineAfter = offlineAfter
        self.allowCommands = allowCommands
    }
}
