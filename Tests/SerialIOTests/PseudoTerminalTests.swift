import SerialIO
import TestSupport
import Testing

/// A real pseudo-terminal pair: the controller as a `Transport`, with the subordinate path not opened by anyone.
@Suite struct PseudoTerminalTests {
    @Test func controllerWaitsQuietlyWhileNoOneHasThePathOpen() async throws {
        let capture = LogCapture()
        let pty = try PseudoTerminal.open(logger: capture.logger())
        #expect(pty.devicePath.hasPrefix("/dev/pts/"))
        // With the subordinate held open inside PseudoTerminal the controller sees no hang-up, only silence.
        await #expect(throws: TransportError.timeout(endpoint: pty.controller.endpoint)) {
            try await pty.controller.read(maxCount: 8, timeout: .milliseconds(100))
        }
        try await pty.controller.reconfigure(LineSettings(baudRate: 9600))
        await pty.close()
        await #expect(throws: TransportError.closed(endpoint: pty.controller.endpoint)) {
            try await pty.controller.write([1])
        }
    }
}
