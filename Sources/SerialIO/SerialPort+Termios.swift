import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Line settings to `termios` and back: raw mode, speed, character size, parity, stop bits, and the
/// pseudo-terminal fallback to 8N1.
extension SerialPort {
    /// The baud rates a port can be set to, with their `termios` speed constants (the PRO380 speaks 300...9600;
    /// gateways and USB adapters commonly go to 115200).
    static let speeds: [Int: speed_t] = [
        300: speed_t(B300), 600: speed_t(B600), 1200: speed_t(B1200), 2400: speed_t(B2400),
        4800: speed_t(B4800), 9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400),
        57600: speed_t(B57600), 115200: speed_t(B115200),
    ]

    /// Sets the line to `settings`; on a pseudo-terminal that refuses parity or 7 data bits, sets 8N1 at the same
    /// speed instead and logs a warning naming the device and the refused setting.
    /// - Returns: the settings now in force.
    /// - Throws: `TransportError.unsupportedSetting` for a baud rate, character size or stop-bit count outside
    ///   the table, or one the device refuses; `TransportError.systemCall` when `tcgetattr` fails.
    static func apply(
        _ settings: LineSettings,
        fd: Int32,
        device: String,
        isPseudoTerminal: Bool,
        logger: Logger
    ) throws(TransportError) -> LineSettings {
        let speed = try validate(settings, device: device)
        do {
            try set(settings, speed: speed, fd: fd, device: device)
            return settings
        } catch let refusal {
            let refused = refusedByPseudoTerminals(settings)
            guard isPseudoTerminal, !refused.isEmpty else {
                throw TransportError.unsupportedSetting(
                    endpoint: device,
                    setting: settings.description,
                    reason: refusal.reason
                )
            }
            let fallback = LineSettings(baudRate: settings.baudRate, dataBits: 8, parity: .none, stopBits: 1)
            do {
                try set(fallback, speed: speed, fd: fd, device: device)
            } catch {
                throw TransportError.unsupportedSetting(
                    endpoint: device,
                    setting: fallback.description,
                    reason: error.reason
                )
            }
            logger.warning(
                "pseudo-terminal: running 8N1 instead of \(settings.characterFormat) (\(device) refuses \(refused))",
                metadata: ["device": "\(device)", "refused": "\(refused)", "requested": "\(settings)"]
            )
            return fallback
        }
    }

    /// The parts of `settings` a Linux pseudo-terminal refuses: "even parity", "7 data bits"; empty for 8N1.
    private static func refusedByPseudoTerminals(_ settings: LineSettings) -> String {
        var parts: [String] = []
        if settings.parity != .none { parts.append("\(settings.parity.rawValue) parity") }
        if settings.dataBits != 8 { parts.append("\(settings.dataBits) data bits") }
        if settings.stopBits != 1 { parts.append("\(settings.stopBits) stop bits") }
        return parts.joined(separator: " and ")
    }

    private static func validate(_ settings: LineSettings, device: String) throws(TransportError) -> speed_t {
        guard let speed = speeds[settings.baudRate] else {
            let supported = speeds.keys.sorted().map(String.init).joined(separator: ", ")
            throw .unsupportedSetting(
                endpoint: device,
                setting: "\(settings.baudRate) baud",
                reason: "supported baud rates are \(supported)"
            )
        }
        guard settings.dataBits == 7 || settings.dataBits == 8 else {
            throw .unsupportedSetting(
                endpoint: device,
                setting: "\(settings.dataBits) data bits",
                reason: "use 7 or 8 data bits"
            )
        }
        guard settings.stopBits == 1 || settings.stopBits == 2 else {
            throw .unsupportedSetting(
                endpoint: device,
                setting: "\(settings.stopBits) stop bits",
                reason: "use 1 or 2 stop bits"
            )
        }
        return speed
    }

    /// Raw mode with `settings`, applied with `tcsetattr` and read back, because `tcsetattr` succeeds when *any*
    /// of the changes took effect (POSIX): a setting the driver silently kept is a refusal too.
    ///
    /// `VMIN` 1 and `VTIME` 0 on a non-blocking descriptor: `read` then fails with `EAGAIN` when nothing is there
    /// and returns 0 only at hang-up (with `VMIN` 0 an empty read would also return 0, hiding end of stream).
    /// Waiting is done with `poll`, never inside `read`.
    private static func set(_ settings: LineSettings, speed: speed_t, fd: Int32, device: String) throws(Refusal) {
        var wanted = termios()
        guard tcgetattr(fd, &wanted) == 0 else { throw Refusal(call: "tcgetattr", errno: errno) }
        cfmakeraw(&wanted)
        wanted.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        wanted.c_cflag |= tcflag_t(CLOCAL | CREAD) | tcflag_t(settings.dataBits == 7 ? CS7 : CS8)
        if settings.parity != .none { wanted.c_cflag |= tcflag_t(PARENB) }
        if settings.parity == .odd { wanted.c_cflag |= tcflag_t(PARODD) }
        if settings.stopBits == 2 { wanted.c_cflag |= tcflag_t(CSTOPB) }
        wanted.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        withUnsafeMutableBytes(of: &wanted.c_cc) { characters in
            characters[Int(VMIN)] = 1
            characters[Int(VTIME)] = 0
        }
        cfsetispeed(&wanted, speed)
        cfsetospeed(&wanted, speed)
        while tcsetattr(fd, TCSANOW, &wanted) != 0 {
            if errno != EINTR { throw Refusal(call: "tcsetattr", errno: errno) }
        }
        var actual = termios()
        guard tcgetattr(fd, &actual) == 0 else { throw Refusal(call: "tcgetattr", errno: errno) }
        let mask = tcflag_t(CSIZE | PARENB | PARODD | CSTOPB)
        if actual.c_cflag & mask != wanted.c_cflag & mask || cfgetospeed(&actual) != speed {
            throw Refusal(reason: "the driver kept \(describe(actual)) after tcsetattr")
        }
    }

    /// `9600 8N1`-style text for a `termios` as read back.
    private static func describe(_ attributes: termios) -> String {
        var copy = attributes
        let speed = cfgetospeed(&copy)
        let baud = speeds.first { $0.value == speed }?.key.description ?? "speed code \(speed)"
        let bits = attributes.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS7) ? 7 : 8
        let parity =
            attributes.c_cflag & tcflag_t(PARENB) == 0 ? "N" : attributes.c_cflag & tcflag_t(PARODD) == 0 ? "E" : "O"
        let stops = attributes.c_cflag & tcflag_t(CSTOPB) == 0 ? 1 : 2
        return "\(baud) \(bits)\(parity)\(stops)"
    }

    /// Whether `fd` is the subordinate side of a Unix 98 pseudo-terminal: a character device with major number
    /// 136...143 (`UNIX98_PTY_SLAVE_MAJOR`, Documentation/admin-guide/devices.txt), which also covers a pty
    /// reached through a symlink (socat's `link=`). The path is checked too, for kernels numbering differently.
    static func isPseudoTerminal(fd: Int32, device: String) -> Bool {
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFCHR {
            let device = UInt64(status.st_rdev)
            let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
            if (136...143).contains(major) { return true }
        }
        return device.hasPrefix("/dev/pts/")
    }
}

/// Why `tcsetattr` did not give the line the wanted settings.
private struct Refusal: Error {
    let reason: String

    init(reason: String) { self.reason = reason }

    init(call: String, errno code: Int32) {
        reason = "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

extension LineSettings {
    /// Data bits, parity and stop bits without the speed: `8E1`, `7E1`, `8N1`.
    var characterFormat: String { description.split(separator: " ").last.map(String.init) ?? description }
}
