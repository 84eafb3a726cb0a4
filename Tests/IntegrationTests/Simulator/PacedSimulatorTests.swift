import Foundation
import Logging
import MBus
import Modbus
import SerialIO
import Simulator
import Testing

/// The paced simulator: the schedule it follows, and that it really holds reply bytes back on a pseudo-terminal
/// (which would otherwise deliver a whole reply at once, whatever baud rate is set).
@Suite struct PacedSimulatorTests {
    let logger = Logger(label: "test")

    @Test func scheduleSpacesBytesByElevenBitCharacters() {
        let pacing = LinePacing(line: LineSettings(baudRate: 9600), turnaround: .milliseconds(5))
        let schedule = pacing.schedule(byteCount: 3)
        // 11 bits at 9600 baud: byte i has arrived (i + 1) * 1145.8 us after the reply started.
        #expect(schedule == [.microseconds(1145), .microseconds(2291), .microseconds(3437)])
        let slow = LinePacing(line: LineSettings(baudRate: 2400), turnaround: .zero).schedule(byteCount: 100)
        #expect(slow.last == .microseconds(458_333))
        let origin = ContinuousClock.now
        // The reply starts after the 8-byte request's own wire time (9.166 ms) and the turnaround.
        #expect(pacing.replyStart(requestArrival: origin, requestBytes: 8) == origin + .microseconds(9166 + 5000))
        #expect(LinePacing.bytesDue(schedule: schedule, start: origin, now: origin) == 0)
        #expect(LinePacing.bytesDue(schedule: schedule, start: origin, now: origin + .microseconds(2291)) == 2)
        #expect(LinePacing.bytesDue(schedule: schedule, start: origin, now: origin + .seconds(1)) == 3)
    }

    @Test func pacedModbusReplyArrivesSpreadOverItsWireTime() async throws {
        let recorder = PacingRecorder()
        let pacing = LinePacing(line: LineSettings(baudRate: 9600), turnaround: .milliseconds(5), recorder: recorder)
        let service = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .pseudoTerminal, pacing: pacing),
            logger: logger
        )
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let port = try SerialPort(device: service.endpoint, settings: LineSettings(baudRate: 9600), logger: logger)
        // Function 03, 0x6000, 74 registers: a 153-byte reply, 175 ms at 9600 8E1.
        let request = RTUFraming.encode(unit: 1, request: .readHoldingRegisters(address: 0x6000, count: 74))
        let sent = ContinuousClock.now
        try await port.write(request)
        var reply: [UInt8] = []
        var chunks = 0
        while reply.count < 153 {
            reply += try await port.read(maxCount: 512, timeout: .seconds(5))
            chunks += 1
        }
        let elapsed = ContinuousClock.now - sent
        await port.close()
        let wireTime =
            pacing.replyStart(requestArrival: sent, requestBytes: request.count) - sent
            + pacing.schedule(byteCount: 153).last!
        #expect(reply.count == 153)
        #expect(Array(reply.prefix(3)) == [0x01, 0x03, 148])
        // Never sooner than the line allows (a loaded machine may only make it later), and in many pieces.
        #expect(elapsed >= wireTime - .milliseconds(2), "the reply came after \(elapsed), the line needs \(wireTime)")
        #expect(chunks >= 10, "the reply came in \(chunks) reads")
        let recorded = try #require(recorder.transactions.first)
        #expect(recorded.requestBytes == 8 && recorded.replyBytes == 153)
        #expect(recorded.replyEnd - recorded.requestArrival >= wireTime - .milliseconds(2))
    }

    @Test func pacedMBusTelegramArrivesSpreadOverItsWireTime() async throws {
        let pacing = LinePacing(line: LineSettings(baudRate: 2400), turnaround: .milliseconds(10))
        let service = try SimulatorService(
            configuration: SimulatorConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: 0),
                mbusPort: .pseudoTerminal,
                mbusPacing: pacing
            ),
            logger: logger
        )
        let task = Task { try await service.run() }
        defer { task.cancel() }
        let mbus = try #require(service.mbus)
        let port = try SerialPort(device: mbus.endpoint, settings: LineSettings(baudRate: 2400), logger: logger)
        let request = MBusFrameEncoder.encode(.short(control: .reqUD2(fcb: true), address: 1))
        let sent = ContinuousClock.now
        try await port.write(request)
        var reply: [UInt8] = []
        var decoder = MBusFrameDecoder()
        var chunks = 0
        var frame: MBusFrame?
        while frame == nil {
            let bytes = try await port.read(maxCount: 512, timeout: .seconds(5))
            reply += bytes
            decoder.append(bytes)
            frame = try decoder.decode()
            chunks += 1
        }
        let elapsed = ContinuousClock.now - sent
        await port.close()
        guard case .long(let control, _, _, _) = frame else {
            Issue.record("expected RSP_UD, got \(String(describing: frame))")
            return
        }
        #expect(control.isRspUD)
        let wireTime =
            pacing.replyStart(requestArrival: sent, requestBytes: request.count) - sent
            + pacing.schedule(byteCount: reply.count).last!
        #expect(
            elapsed >= wireTime - .milliseconds(2),
            "the telegram came after \(elapsed), the line needs \(wireTime)"
        )
        #expect(chunks >= 10, "the telegram came in \(chunks) reads")
    }
}
