import ArgumentParser
import Bridge
import SerialIO

/// How `read`, `write` and `scan` reach one meter or bus on site: exactly one link option.
struct BusOptions: ParsableArguments {
    @Option(name: .customLong("modbus-rtu"), help: ArgumentHelp("Modbus RTU on a serial device.", valueName: "device"))
    var modbusRTU: String?

    @Option(name: .customLong("modbus-tcp"), help: ArgumentHelp("Modbus TCP gateway.", valueName: "host:port"))
    var modbusTCP: String?

    @Option(
        name: .customLong("modbus-rtu-over-tcp"),
        help: ArgumentHelp("Transparent RTU gateway.", valueName: "host:port")
    )
    var modbusRTUOverTCP: String?

    @Option(
        name: .customLong("mbus-serial"),
        help: ArgumentHelp("M-Bus level converter on a serial device.", valueName: "device")
    )
    var mbusSerial: String?

    @Option(name: .customLong("mbus-tcp"), help: ArgumentHelp("M-Bus TCP gateway.", valueName: "host:port"))
    var mbusTCP: String?

    @Option(
        name: .customLong("iec62056"),
        help: ArgumentHelp("IEC 62056-21 optical head on a serial device.", valueName: "device")
    )
    var iec62056: String?

    @Option(
        name: .customLong("iec62056-tcp"),
        help: ArgumentHelp("IEC 62056-21 optical head behind a TCP gateway.", valueName: "host:port")
    )
    var iec62056TCP: String?

    @Option(help: "Serial baud rate (default 9600 Modbus, 2400 M-Bus, 300 IEC 62056-21 sign-on).")
    var baud: Int?

    @Option(help: "Serial parity for Modbus RTU: even, none or odd (default even).")
    var parity: String = "even"

    @Option(help: "Stop bits for Modbus RTU: 1 or 2.")
    var stopBits: Int = 1

    @Option(help: "Reply timeout, e.g. 500ms or 2s (default per bus kind).")
    var timeout: String?

    func validate() throws {
        let given = [modbusRTU, modbusTCP, modbusRTUOverTCP, mbusSerial, mbusTCP, iec62056, iec62056TCP].compactMap {
            $0
        }
        guard given.count == 1 else {
            throw ValidationError(
                "give exactly one of --modbus-rtu, --modbus-tcp, --modbus-rtu-over-tcp, --mbus-serial, --mbus-tcp, --iec62056, --iec62056-tcp"
            )
        }
        guard LineSettings.Parity(rawValue: parity) != nil else {
            throw ValidationError("--parity must be even, none or odd")
        }
        if let timeout, DurationText.parse(timeout) == nil {
            throw ValidationError("--timeout must look like 500ms or 2s")
        }
        let endpoints = [
            ("--modbus-tcp", modbusTCP), ("--modbus-rtu-over-tcp", modbusRTUOverTCP), ("--mbus-tcp", mbusTCP),
            ("--iec62056-tcp", iec62056TCP),
        ]
        for case (let option, let endpoint?) in endpoints {
            if let problem = Self.hostPortProblem(endpoint, option: option) { throw ValidationError(problem) }
        }
    }

    /// The bus these options describe.
    func link() -> BusLink {
        let parity = LineSettings.Parity(rawValue: parity) ?? .even
        if let device = modbusRTU {
            return .modbusRTU(
                device: device,
                settings: LineSettings(baudRate: baud ?? 9600, parity: parity, stopBits: stopBits)
            )
        }
        if let endpoint = modbusTCP, let (host, port) = Self.hostPort(endpoint) {
            return .modbusTCP(host: host, port: port)
        }
        if let endpoint = modbusRTUOverTCP, let (host, port) = Self.hostPort(endpoint) {
            return .modbusRTUOverTCP(host: host, port: port)
        }
        if let device = mbusSerial {
            return .mbusSerial(device: device, settings: LineSettings(baudRate: baud ?? 2400, parity: .even))
        }
        if let endpoint = mbusTCP, let (host, port) = Self.hostPort(endpoint) {
            return .mbusTCP(host: host, port: port)
        }
        if let device = iec62056 { return .iec62056Serial(device: device, baudRate: baud ?? 300, fixedSpeed: false) }
        let (host, port) = Self.hostPort(iec62056TCP ?? "") ?? ("127.0.0.1", 0)
        return .iec62056TCP(host: host, port: port)
    }

    /// A bus of this link with one meter.
    func bus(meter: MeterConfiguration) -> BusConfiguration {
        BusConfiguration(name: "cli", link: link(), timeout: timeout.flatMap(DurationText.parse), meters: [meter])
    }

    /// `host:port` (or `[::1]:port`) taken apart; `nil` when it is not one. Port 0 ("any free port") only when
    /// `allowingAnyPort`, for listening sockets.
    static func hostPort(_ text: String, allowingAnyPort: Bool = false) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (allowingAnyPort ? TCPPort.listenable : TCPPort.connectable).contains(port)
        else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// What is wrong with `text` as `host:port` for the option `option`, or nil when `hostPort` takes it: a port out
    /// of range is told as such (`127.0.0.1:99999` is host:port, with a port no TCP socket has).
    static func hostPortProblem(_ text: String, option: String, allowingAnyPort: Bool = false) -> String? {
        guard hostPort(text, allowingAnyPort: allowingAnyPort) == nil else { return nil }
        if let colon = text.lastIndex(of: ":"), colon != text.startIndex {
            let port = text[text.index(after: colon)...]
            let digits = port.hasPrefix("-") ? port.dropFirst() : port
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                let problem = TCPPort.problem(port, allowingAnyPort: allowingAnyPort)
            {
                return "\(option) \(text): \(problem)"
            }
        }
        return "\(option) \(text) is not host:port (the port \(TCPPort.rangeText(allowingAnyPort: allowingAnyPort)))"
    }
}

/// Which meter on the bus: `--address`, `--secondary-address` or `--device-address`.
struct MeterAddressOptions: ParsableArguments {
    @Option(
        help: """
            Modbus unit id (1-247, required for Modbus) or M-Bus primary address (0-250, 254 for a lone meter; \
            M-Bus takes this or --secondary-address).
            """
    )
    var address: Int?

    @Option(help: "M-Bus secondary address (8 digits).")
    var secondaryAddress: String?

    @Option(help: "IEC 62056-21 device address for the request message (optional).")
    var deviceAddress: String?

    @Option(help: "Largest Modbus read the meter accepts (default 125).")
    var maxRegisters: Int = 125

    func meter(for link: BusLink, name: String = "meter") throws -> MeterConfiguration {
        switch link.protocol {
        case .modbus, .modbusListen:
            if secondaryAddress != nil || deviceAddress != nil {
                throw ValidationError(
                    "a Modbus meter is chosen by --address (its unit id); --secondary-address is for M-Bus and "
                        + "--device-address for IEC 62056-21"
                )
            }
            guard let address else {
                throw ValidationError(
                    "a Modbus meter needs --address: its unit id, 1 to 247 (pro380-mqtt scan finds the meters of a bus)"
                )
            }
            guard (1...247).contains(address) else {
                throw ValidationError("--address must be a Modbus unit id 1 to 247, not \(address)")
            }
            return MeterConfiguration(name: name, address: address, maxRegisters: maxRegisters, allowCommands: [])
        case .mbus:
            if deviceAddress != nil {
                throw ValidationError(
                    "--device-address is for IEC 62056-21; an M-Bus meter takes --address or --secondary-address"
                )
            }
            guard (address == nil) != (secondaryAddress == nil) else {
                throw ValidationError("give --address (primary) or --secondary-address for an M-Bus meter")
            }
            return MeterConfiguration(
                name: name,
                address: address,
                secondaryAddress: secondaryAddress,
                allowCommands: []
            )
        case .iec62056:
            if address != nil || secondaryAddress != nil {
                throw ValidationError(
                    "an optical port reads the one meter in front of it: --address and --secondary-address are for "
                        + "Modbus and M-Bus (IEC 62056-21 takes --device-address, optional)"
                )
            }
            return MeterConfiguration(name: name, address: nil, deviceAddress: deviceAddress, allowCommands: [])
        }
    }
}
