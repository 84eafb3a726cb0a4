import Foundation
import Logging
import Modbus
import SerialIO
import Simulator
import Testing

/// The paced simulator's schedule: when each reply byte is due on the line.
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
}
