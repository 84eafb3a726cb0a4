package import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a listener hears next on a line: bytes, or a silence of at least the length it asked for.
package enum LineActivity: Sendable, Equatable {
    /// Bytes as they arrived (one or more).
    case bytes([UInt8])
    /// No byte arrived for the whole silence asked for.
    case silence
}

/// A serial line opened to listen only, for a bus that another master already polls: it can never transmit.
///
/// Structurally: the device is opened `O_RDONLY`, so the kernel refuses any write on the descriptor, and this type
/// has no write method and is not a `Transport`, so no protocol client can be handed it. An RS-485 adapter that
/// switches its driver on when the host transmits therefore never drives the line. Everything else is as for
/// `SerialPort`: exclusive open (`TIOCEXCL` and `flock`), raw mode, the line settings of the bus (the pty fallback
/// to 8N1 included), every call on the port's own thread.
package final class ReceiveOnlySerialPort: Sendable {
    private let channel: DescriptorChannel

    /// The device path as given: `/dev/ttyUSB0`.
    package let endpoint: String
    /// The line settings in force (8N1 at the requested speed on a pseudo-terminal that refused parity).
    package let effectiveSettings: LineSettings

    /// Opens `device` read-only and exclusively, and sets the line to `settings`.
    /// - Throws: `TransportError.systemCall` naming `open` (`ENOENT`, `EACCES`, `EBUSY`) or `flock` (`EBUSY`);
    ///   `TransportError.unsupportedSetting` for settings the device refuses.
    package init(device: String, settings: LineSettings, logger: Logger) throws {
        let (fd, _, effective) = try SerialPort.openExclusive(device, settings, readOnly: true, logger: logger)
        do {
            channel = try DescriptorChannel(fd: fd, kind: .terminal, endpoint: device)
        } catch {
            SerialPort.release(fd)
            throw error
        }
        endpoint = device
        effectiveSettings = effective
        logger.debug(
            "opened serial port to listen only",
            metadata: ["device": "\(device)", "settings": "\(effective)"]
        )
    }

    /// The next bytes, or `.silence` when none arrived for `silence`.
    /// - Throws: `TransportError.closed` after `close()` or when the device went away; `CancellationError`.
    package func listen(maxCount: Int = 512, silence: Duration) async throws -> LineActivity {
        do {
            return .bytes(try await channel.read(maxCount: maxCount, timeout: silence))
        } catch TransportError.timeout {
            return .silence
        }
    }

    /// Whether the kernel holds the descriptor open for reading only (`fcntl(F_GETFL) & O_ACCMODE == O_RDONLY`):
    /// the proof that a write could not reach the line even by mistake.
    /// - Throws: `TransportError.closed` after `close()`.
    package func isOpenForReadingOnly() async throws -> Bool {
        try await channel.perform { operation in
            let flags = try syscall("fcntl(F_GETFL)", endpoint: operation.endpoint) { fcntl(operation.fd, F_GETFL) }
            return flags & O_ACCMODE == O_RDONLY
        }
    }

    /// Closes the port, clearing the exclusive flag first. A waiting `listen` ends with `TransportError.closed`.
    package func close() async {
        await channel.close { fd in
            _ = ioctl(fd, UInt(TIOCNXCL))
        }
    }
}
