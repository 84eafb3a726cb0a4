package import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial line (`/dev/ttyUSB0`, `/dev/ttyAMA0`, a pseudo-terminal) opened exclusively in raw mode.
///
/// The port is opened non-blocking; every call on it runs on the port's own serial queue with `poll` for waiting
/// (see `DescriptorChannel`), never on the cooperative pool. Line settings: 300...115200 baud, 7 or 8 data bits,
/// no/even/odd parity, 1 or 2 stop bits, no flow control (`CLOCAL`, no `CRTSCTS`, no XON/XOFF).
///
/// Pseudo-terminals on Linux refuse parity and 7 data bits; on one, the port runs 8N1 at the requested speed
/// instead and logs a warning, so a simulator on a pty serves a bridge configured for a real 8E1 meter. A real
/// port that refuses a setting throws `TransportError.unsupportedSetting`. `effectiveSettings` tells which applies.
package final class SerialPort: Transport {
    private let channel: DescriptorChannel
    private let logger: Logger
    private let isPseudoTerminal: Bool
    private let settings: Mutex<LineSettings>
    /// Whether the pseudo-terminal fallback was announced: once per port, not at every speed switch (IEC 62056-21
    /// switches twice per readout).
    private let fallbackAnnounced: Mutex<Bool>

    /// The device path as given: `/dev/ttyUSB0`.
    package let endpoint: String

    /// The line settings in force: the requested ones, or 8N1 at the requested speed on a pseudo-terminal that
    /// refused parity or 7 data bits.
    package var effectiveSettings: LineSettings { settings.withLock { $0 } }

    /// Opens `device` for exclusive use and sets the line to `settings`, discarding anything buffered before.
    ///
    /// Exclusive: `ioctl(TIOCEXCL)` makes further opens of the device fail with `EBUSY` (for users without
    /// `CAP_SYS_ADMIN`), and an `flock(LOCK_EX)` on the descriptor makes a second `SerialPort` (or pyserial with
    /// `exclusive=True`) on the same device fail even for root. Both are released by `close()`.
    /// The open and `termios` calls are short and run on the calling thread.
    /// - Throws: `TransportError.systemCall` naming `open` (`ENOENT`, `EACCES`, `EBUSY`) or `flock` (`EBUSY`: the
    ///   device is in use); `TransportError.unsupportedSetting` for a baud rate outside 300...115200, or a setting
    ///   a real port refuses.
    package init(device: String, settings requested: LineSettings, logger: Logger) throws {
        let (fd, isPseudoTerminal, effective) = try Self.openExclusive(device, requested, logger: logger)
        do {
            channel = try DescriptorChannel(fd: fd, kind: .terminal, endpoint: device)
        } catch {
            Self.release(fd)
            throw error
        }
        self.endpoint = device
        self.logger = logger
        self.isPseudoTerminal = isPseudoTerminal
        self.settings = Mutex(effective)
        self.fallbackAnnounced = Mutex(effective != requested)
        logger.debug(
            "opened serial port",
            metadata: ["device": "\(device)", "settings": "\(effective)", "pty": "\(isPseudoTerminal)"]
        )
    }

    /// Opens, locks and configures the device for `init` (and, read-only, for `ReceiveOnlySerialPort`).
    /// - Returns: the descriptor, whether it is a pseudo-terminal, and the settings in force.
    static func openExclusive(
        _ device: String,
        _ requested: LineSettings,
        readOnly: Bool = false,
        logger: Logger
    ) throws(TransportError) -> (Int32, Bool, LineSettings) {
        let fd = try syscall("open", endpoint: device) {
            systemOpen(device, (readOnly ? O_RDONLY : O_RDWR) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        }
        do throws(TransportError) {
            guard isatty(fd) == 1 else {
                throw TransportError.systemCall(endpoint: device, call: "isatty", errno: ENOTTY)
            }
            try syscall("ioctl(TIOCEXCL)", endpoint: device) { ioctl(fd, UInt(TIOCEXCL)) }
            if try nonBlockingSyscall("flock", endpoint: device, { flock(fd, LOCK_EX | LOCK_NB) }) == nil {
                throw TransportError.systemCall(endpoint: device, call: "flock", errno: EBUSY)
            }
            let isPseudoTerminal = isPseudoTerminal(fd: fd, device: device)
            let effective = try apply(
                requested,
                fd: fd,
                device: device,
                isPseudoTerminal: isPseudoTerminal,
                logger: logger
            )
            try syscall("tcflush(TCIOFLUSH)", endpoint: device) { tcflush(fd, TCIOFLUSH) }
            return (fd, isPseudoTerminal, effective)
        } catch {
            release(fd)
            throw error
        }
    }

    /// Clears the exclusive flag and closes: the flag outlives the descriptor while another one (a
    /// `PseudoTerminal`'s) keeps the tty open, and would then refuse the next open.
    static func release(_ fd: Int32) {
        _ = ioctl(fd, UInt(TIOCNXCL))
        closeDescriptor(fd)
    }

    /// Writes all of `bytes` and returns once they have been transmitted (`tcdrain`).
    /// - Throws: `TransportError.closed` when the device went away, `TransportError.systemCall` otherwise.
    package func write(_ bytes: [UInt8]) async throws {
        try await channel.write(bytes, drain: true)
    }

    /// Reads what is available, up to `maxCount` bytes, waiting at most `timeout` for the first byte.
    /// - Throws: `TransportError.timeout` when no byte came; `TransportError.closed` after `close()` or when the
    ///   device went away (`EIO`: an unplugged adapter, a pty whose controller closed); `CancellationError`.
    package func read(maxCount: Int, timeout: Duration) async throws -> [UInt8] {
        try await channel.read(maxCount: maxCount, timeout: timeout)
    }

    /// Drops received bytes not yet read: `tcflush(TCIFLUSH)`, then reads off anything still readable.
    package func discardInput() async throws {
        try await channel.discardInput(flushTerminal: true)
    }

    /// Changes the line settings (after a pending write has drained), with the same pseudo-terminal fallback as
    /// `init`; `effectiveSettings` reports the result.
    /// - Throws: `TransportError.unsupportedSetting` (the previous settings stay), `TransportError.closed`.
    package func reconfigure(_ requested: LineSettings) async throws {
        let device = endpoint
        let isPseudoTerminal = isPseudoTerminal
        var quieter = logger
        if fallbackAnnounced.withLock({ $0 }) { quieter.logLevel = max(logger.logLevel, .error) }
        let logger = quieter
        let effective = try await channel.perform { operation in
            try syscall("tcdrain", endpoint: device) { tcdrain(operation.fd) }
            return try Self.apply(
                requested,
                fd: operation.fd,
                device: device,
                isPseudoTerminal: isPseudoTerminal,
                logger: logger
            )
        }
        settings.withLock { $0 = effective }
        if effective != requested { fallbackAnnounced.withLock { $0 = true } }
    }

    /// Clears the exclusive flag (so the device can be reopened while a pty's other descriptor keeps it alive) and
    /// closes the port. A pending call ends with `TransportError.closed`, and so do later ones.
    package func close() async {
        await channel.close { fd in
            _ = ioctl(fd, UInt(TIOCNXCL))
        }
    }
}
