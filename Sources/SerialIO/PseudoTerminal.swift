package import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pseudo-terminal pair standing in for a serial line: the simulator (or a test peer) serves on `controller`
/// while the bridge opens `devicePath` with `SerialPort`, exactly as it would open `/dev/ttyUSB0`.
///
/// The subordinate side is held open for the pair's whole life. Without that, the controller sees hang-up
/// (`POLLHUP`, `read` failing with `EIO`) whenever no `SerialPort` has the path open: before the bridge opens it,
/// and each time the bridge closes and reopens it. With it, the controller simply sees no bytes, and the bridge can
/// close and reopen `devicePath` freely. Keep the `PseudoTerminal` itself alive as long as `controller` is used.
///
/// Pseudo-terminals have no line: baud rate and stop bits are only recorded, and (on the kernels this project runs
/// on) parity and 7 data bits are refused, which `SerialPort` handles by running 8N1 with a warning.
package final class PseudoTerminal: Sendable {
    /// The subordinate side's path, `/dev/pts/N`, for `SerialPort(device:settings:logger:)`.
    package let devicePath: String

    /// The controlling side: what a peer writes here the bridge reads from `devicePath`, and back.
    /// `reconfigure` on it does nothing (a pty has no line settings to change on this side).
    package let controller: any Transport

    private let subordinate: Mutex<Int32>

    private init(devicePath: String, controller: any Transport, subordinate: Int32) {
        self.devicePath = devicePath
        self.controller = controller
        self.subordinate = Mutex(subordinate)
    }

    deinit {
        subordinate.withLock { fd in
            if fd >= 0 { closeDescriptor(fd) }
        }
    }

    /// Opens a new pseudo-terminal pair with `openpty` and puts both sides in raw mode (`cfmakeraw`: no echo, no
    /// line editing, no CR/LF translation, 8 bits), both descriptors non-blocking and close-on-exec.
    /// - Throws: `TransportError.systemCall` naming the call that failed.
    package static func open(logger: Logger) throws -> PseudoTerminal {
        let endpoint = "pseudo-terminal"
        var controllerFD: Int32 = -1
        var subordinateFD: Int32 = -1
        try syscall("openpty", endpoint: endpoint) { openpty(&controllerFD, &subordinateFD, nil, nil, nil) }
        do {
            var name = [CChar](repeating: 0, count: 128)
            let status = ttyname_r(subordinateFD, &name, name.count)
            guard status == 0 else {
                throw TransportError.systemCall(endpoint: endpoint, call: "ttyname_r", errno: status)
            }
            let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for fd in [controllerFD, subordinateFD] {
                let flags = try syscall("fcntl(F_GETFL)", endpoint: path) { fcntl(fd, F_GETFL) }
                try syscall("fcntl(F_SETFL)", endpoint: path) { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
                try syscall("fcntl(F_SETFD)", endpoint: path) { fcntl(fd, F_SETFD, FD_CLOEXEC) }
                try makeRaw(fd, endpoint: path)
            }
            let channel = try DescriptorChannel(fd: controllerFD, kind: .terminal, endpoint: "\(path) (controller)")
            logger.debug("opened pseudo-terminal", metadata: ["device": "\(path)"])
            return PseudoTerminal(
                devicePath: path,
                controller: PseudoTerminalController(channel: channel),
                subordinate: subordinateFD
            )
        } catch {
            closeDescriptor(subordinateFD)
            closeDescriptor(controllerFD)
            throw error
        }
    }

    /// Closes the controller and the held subordinate descriptor. A `SerialPort` still open on `devicePath` then
    /// reads end of stream (`TransportError.closed`). A second call does nothing.
    package func close() async {
        await controller.close()
        subordinate.withLock { fd in
            if fd >= 0 { closeDescriptor(fd) }
            fd = -1
        }
    }

    private static func makeRaw(_ fd: Int32, endpoint: String) throws(TransportError) {
        var attributes = termios()
        try syscall("tcgetattr", endpoint: endpoint) { tcgetattr(fd, &attributes) }
        cfmakeraw(&attributes)
        try syscall("tcsetattr", endpoint: endpoint) { tcsetattr(fd, TCSANOW, &attributes) }
    }
}
