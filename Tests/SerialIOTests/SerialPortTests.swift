import Logging
import SerialIO
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `SerialPort` on real pseudo-terminals: our `PseudoTerminal` (the controller plays the meter) and socat's.
@Suite struct SerialPortTests {
    private let capture = LogCapture()
    private var logger: Logger { capture.logger(label: "serial-port-tests") }

    /// A pty with a `SerialPort` open on its subordinate side at `settings`.
    private func openPair(
        _ settings: LineSettings = LineSettings(baudRate: 9600, parity: .none)
    ) throws -> (pty: PseudoTerminal, port: SerialPort) {
        let pty = try PseudoTerminal.open(logger: logger)
        return (pty, try SerialPort(device: pty.devicePath, settings: settings, logger: logger))
    }

    @Test(arguments: [
        LineSettings(baudRate: 9600, parity: .even),
        LineSettings(baudRate: 300, dataBits: 7, parity: .even),
        LineSettings(baudRate: 2400, parity: .odd),
    ])
    func pseudoTerminalRefusingParityRunsEightNoneOneWithAWarning(requested: LineSettings) async throws {
        let (pty, port) = try openPair(requested)
        #expect(port.effectiveSettings == LineSettings(baudRate: requested.baudRate, dataBits: 8, parity: .none))
        let warnings = capture.messages(atLeast: .warning)
        let format = "\(requested.dataBits)\(requested.description.split(separator: " ")[1].dropFirst())"
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("pseudo-terminal: running 8N1 instead of \(format)") == true)
        #expect(warnings.first?.contains(pty.devicePath) == true)
        #expect(warnings.first?.contains("\(requested.parity.rawValue) parity") == true)
        await port.close()
        await pty.close()
    }

    @Test func eightNoneOneOpensWithoutAWarning() async throws {
        let (pty, port) = try openPair(LineSettings(baudRate: 115200, parity: .none))
        #expect(port.effectiveSettings == LineSettings(baudRate: 115200, parity: .none))
        #expect(capture.messages(atLeast: .warning).isEmpty)
        #expect(port.endpoint == pty.devicePath)
        await port.close()
        await pty.close()
    }

    @Test func bytesTravelBothWays() async throws {
        let (pty, port) = try openPair(LineSettings(baudRate: 9600, parity: .even))
        let request: [UInt8] = [0x01, 0x03, 0x50, 0x00, 0x00, 0x02, 0xD5, 0x0B]
        try await port.write(request)
        #expect(try await pty.controller.read(maxCount: 64, timeout: .seconds(5)) == request)
        // Every byte value, CR and LF included, passes untranslated (raw mode on both sides).
        let reply = [UInt8](0...255)
        try await pty.controller.write(reply)
        var received: [UInt8] = []
        while received.count < reply.count {
            received += try await port.read(maxCount: 512, timeout: .seconds(5))
        }
        #expect(received == reply)
        await port.close()
        await pty.close()
    }

    @Test func readTimesOutWhenNoByteArrives() async throws {
        let (pty, port) = try openPair()
        await #expect(throws: TransportError.timeout(endpoint: pty.devicePath)) {
            try await port.read(maxCount: 8, timeout: .milliseconds(100))
        }
        await port.close()
        await pty.close()
    }

    /// Twenty ports wait for a reply at once while the cooperative pool (as wide as the machine's cores) stays free:
    /// the replies are written from tasks on that pool while all twenty reads are blocked in `poll`.
    @Test func waitingReadsLeaveTheCooperativePoolFree() async throws {
        let pairs = try (0..<20).map { _ in try openPair() }
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for (index, pair) in pairs.enumerated() {
                group.addTask { try await pair.port.read(maxCount: 8, timeout: .seconds(20)) + [UInt8(index)] }
            }
            try await Task.sleep(for: .milliseconds(100))
            for (index, pair) in pairs.enumerated() { try await pair.pty.controller.write([UInt8(index)]) }
            var replies: [[UInt8]] = []
            for try await reply in group { replies.append(reply) }
            #expect(Set(replies) == Set((0..<20).map { [UInt8($0), UInt8($0)] }))
        }
        for pair in pairs {
            await pair.port.close()
            await pair.pty.close()
        }
    }

    @Test func twentyConcurrentTimeoutsAllComplete() async throws {
        let pairs = try (0..<20).map { _ in try openPair() }
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for pair in pairs {
                group.addTask {
                    do {
                        _ = try await pair.port.read(maxCount: 8, timeout: .seconds(1))
                        return false
                    } catch {
                        return error as? TransportError == .timeout(endpoint: pair.pty.devicePath)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: true, count: 20))
        // Generous: run one after another on a two-thread pool they would need ten seconds or more.
        #expect(ContinuousClock.now - start < .seconds(8))
        for pair in pairs {
            await pair.port.close()
            await pair.pty.close()
        }
    }

    @Test func discardInputDropsStaleBytes() async throws {
        let (pty, port) = try openPair()
        try await pty.controller.write(Array("stale reply".utf8))
        // One byte proves the stale reply has arrived; discardInput must drop the rest.
        #expect(try await port.read(maxCount: 1, timeout: .seconds(5)) == Array("s".utf8))
        try await port.discardInput()
        try await pty.controller.write(Array("fresh".utf8))
        #expect(try await port.read(maxCount: 64, timeout: .seconds(5)) == Array("fresh".utf8))
        await port.close()
        await pty.close()
    }

    @Test func reconfigureChangesSpeedAndFallsBackOnAPseudoTerminal() async throws {
        let (pty, port) = try openPair()
        try await port.reconfigure(LineSettings(baudRate: 2400, parity: .none))
        #expect(port.effectiveSettings == LineSettings(baudRate: 2400, parity: .none))
        try await port.reconfigure(LineSettings(baudRate: 300, dataBits: 7, parity: .even))
        #expect(port.effectiveSettings == LineSettings(baudRate: 300, parity: .none))
        #expect(capture.messages(atLeast: .warning).count == 1)
        await #expect {
            try await port.reconfigure(LineSettings(baudRate: 12345, parity: .none))
        } throws: { error in
            guard case TransportError.unsupportedSetting(pty.devicePath, _, _) = error else { return false }
            return true
        }
        #expect(port.effectiveSettings == LineSettings(baudRate: 300, parity: .none))
        try await pty.controller.write([0x2F, 0x3F, 0x21, 0x0D, 0x0A])
        #expect(try await port.read(maxCount: 8, timeout: .seconds(5)) == [0x2F, 0x3F, 0x21, 0x0D, 0x0A])
        await port.close()
        await pty.close()
    }

    @Test func aSecondOpenOfTheSameDeviceFailsAsBusyUntilTheFirstCloses() async throws {
        let (pty, port) = try openPair()
        #expect {
            try SerialPort(device: pty.devicePath, settings: LineSettings(baudRate: 9600), logger: logger)
        } throws: { error in
            guard case TransportError.systemCall(pty.devicePath, let call, let code) = error else { return false }
            // Said as held, and by whom most likely, for whoever reads the message (`read` next to a bridge).
            let said = "\(error)".hasSuffix(
                "probably a running bridge (pro380-mqtt run, or the service: systemctl stop pro380-mqtt)"
            )
            return ["open", "flock"].contains(call) && code == EBUSY && (error as? TransportError)?.portHeld == true
                && said
        }
        await port.close()
        let reopened = try SerialPort(device: pty.devicePath, settings: LineSettings(baudRate: 9600), logger: logger)
        try await pty.controller.write([0x10, 0x5B, 0xFE, 0x59, 0x16])
        #expect(try await reopened.read(maxCount: 8, timeout: .seconds(5)) == [0x10, 0x5B, 0xFE, 0x59, 0x16])
        await reopened.close()
        await pty.close()
    }

    @Test(arguments: [12345, 110, 230400])
    func unsupportedBaudRateIsRefused(baudRate: Int) async throws {
        let pty = try PseudoTerminal.open(logger: logger)
        #expect {
            try SerialPort(device: pty.devicePath, settings: LineSettings(baudRate: baudRate), logger: logger)
        } throws: { error in
            guard case TransportError.unsupportedSetting(pty.devicePath, let setting, _) = error else { return false }
            return setting == "\(baudRate) baud"
        }
        await pty.close()
    }

    @Test func aMissingDeviceFailsInOpenWithENOENT() {
        #expect(throws: TransportError.systemCall(endpoint: "/dev/ttyNOPE9", call: "open", errno: ENOENT)) {
            try SerialPort(device: "/dev/ttyNOPE9", settings: LineSettings(baudRate: 9600), logger: logger)
        }
    }

    @Test func closingTheControllerEndsReadsWithClosed() async throws {
        let (pty, port) = try openPair()
        await pty.close()
        await #expect(throws: TransportError.closed(endpoint: pty.devicePath)) {
            try await port.read(maxCount: 8, timeout: .seconds(5))
        }
        await port.close()
        await #expect(throws: TransportError.closed(endpoint: pty.devicePath)) { try await port.write([1]) }
    }

    @Test(.enabled(if: SocatPseudoTerminals.isAvailable, "socat is not installed"))
    func worksOverASocatPseudoTerminalPair() async throws {
        try await SocatPseudoTerminals.with { socat in
            let meter = try SerialPort(device: socat.paths.0, settings: LineSettings(baudRate: 9600), logger: logger)
            let bridge = try SerialPort(device: socat.paths.1, settings: LineSettings(baudRate: 9600), logger: logger)
            #expect(bridge.effectiveSettings == LineSettings(baudRate: 9600, parity: .none))
            try await bridge.write([0x01, 0x04, 0x50, 0x02, 0x00, 0x02])
            var request: [UInt8] = []
            while request.count < 6 { request += try await meter.read(maxCount: 64, timeout: .seconds(5)) }
            #expect(request == [0x01, 0x04, 0x50, 0x02, 0x00, 0x02])
            try await meter.write([0x01, 0x04, 0x04, 0x43, 0x67, 0x40, 0x00])
            var reply: [UInt8] = []
            while reply.count < 7 { reply += try await bridge.read(maxCount: 64, timeout: .seconds(5)) }
            #expect(reply == [0x01, 0x04, 0x04, 0x43, 0x67, 0x40, 0x00])
            await bridge.close()
            await meter.close()
        }
    }
}
