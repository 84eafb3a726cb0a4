import Logging
import SerialIO
import TestSupport
import Testing

/// `ReceiveOnlySerialPort` on a real pseudo-terminal: it hears what the line carries, reports silences, holds the
/// device read-only and exclusively.
@Suite struct ReceiveOnlySerialPortTests {
    private let capture = LogCapture()
    private var logger: Logger { capture.logger(label: "receive-only-tests") }

    @Test func hearsBytesAndSilencesAndIsReadOnly() async throws {
        let pty = try PseudoTerminal.open(logger: logger)
        let port = try ReceiveOnlySerialPort(
            device: pty.devicePath,
            settings: LineSettings(baudRate: 9600, parity: .none),
            logger: logger
        )
        #expect(try await port.isOpenForReadingOnly())
        #expect(try await port.listen(silence: .milliseconds(20)) == .silence)
        try await pty.controller.write([0x01, 0x03, 0x50, 0x02])
        var heard: [UInt8] = []
        while heard.count < 4 {
            guard case .bytes(let bytes) = try await port.listen(silence: .seconds(5)) else { break }
            heard += bytes
        }
        #expect(heard == [0x01, 0x03, 0x50, 0x02])
        #expect(try await port.listen(silence: .milliseconds(20)) == .silence)
        await port.close()
        await pty.close()
    }

    @Test func secondOpenOfTheDeviceIsRefused() async throws {
        let pty = try PseudoTerminal.open(logger: logger)
        let settings = LineSettings(baudRate: 9600, parity: .none)
        let port = try ReceiveOnlySerialPort(device: pty.devicePath, settings: settings, logger: logger)
        #expect(throws: TransportError.self) {
            try SerialPort(device: pty.devicePath, settings: settings, logger: logger)
        }
        await port.close()
        let reopened = try SerialPort(device: pty.devicePath, settings: settings, logger: logger)
        await reopened.close()
        await pty.close()
    }

    @Test func closeEndsAWaitingListen() async throws {
        let pty = try PseudoTerminal.open(logger: logger)
        let port = try ReceiveOnlySerialPort(
            device: pty.devicePath,
            settings: LineSettings(baudRate: 9600, parity: .none),
            logger: logger
        )
        async let failure: (any Error)? = {
            do {
                _ = try await port.listen(silence: .seconds(30))
                return nil
            } catch {
                return error
            }
        }()
        try await Task.sleep(for: .milliseconds(50))
        await port.close()
        #expect(await failure is TransportError)
        await pty.close()
    }
}
