import Benchmarking
import Modbus
import SerialIO
import Simulator
import Testing

/// The least bus time of a poll cycle, and the cycle a paced simulator recorded.
@Suite struct WireTimeTests {
    @Test func fullPollOfAPRO380IsThreeBlocks() {
        let blocks = WireTime.fullPollBlocks()
        #expect(blocks.map(\.address) == [0x4000, 0x5000, 0x6000])
        #expect(blocks.map(\.count) == [32, 50, 75])
        let exchanges = WireTime.modbusRTU(blocks)
        #expect(exchanges.map(\.requestBytes) == [8, 8, 8])
        #expect(exchanges.map(\.replyBytes) == [69, 105, 155])
        // README: 24 request bytes and 329 reply bytes per full poll.
        #expect(exchanges.reduce(0) { $0 + $1.requestBytes + $1.replyBytes } == 353)
    }

    @Test func minimumCountsBytesTurnaroundAndSilencePerMeter() {
        let line = LineSettings(baudRate: 9600)  // 8E1: 11 bits a character
        let one = WireExchange(requestBytes: 8, replyBytes: 25)
        let cycle = WireTime.minimumCycle(
            exchanges: [one],
            meters: 1,
            line: line,
            turnaround: .milliseconds(5),
            silenceBeforeRequest: InterFrameTiming.silence(for: line)
        )
        // 33 characters * 11 bits / 9600 = 37.812 ms, + 5 ms, + 3.5 characters (4.010 ms).
        #expect(abs(cycle.milliseconds - (37.8125 + 5 + 4.0104)) < 0.01)
        let eight = WireTime.minimumCycle(
            exchanges: [one, one],
            meters: 8,
            line: line,
            turnaround: .zero,
            silenceBeforeRequest: .zero
        )
        #expect(abs(eight.milliseconds - 16 * 37.8125) < 0.05)
    }

    @Test func measuredCycleSpansWholeCyclesFromRequestToRequest() {
        let origin = ContinuousClock.now
        func at(_ ms: Int) -> ContinuousClock.Instant { origin + .milliseconds(ms) }
        // Two transactions a cycle: 40 ms on the line, 10 ms idle before the next.
        let transactions = (0..<7).map { n in
            PacedTransaction(requestArrival: at(n * 50), replyEnd: at(n * 50 + 40), requestBytes: 8, replyBytes: 25)
        }
        let measured = WireTime.measuredCycle(transactions, perCycle: 2)
        #expect(measured?.cycles == 3)
        #expect(measured?.cycle == .milliseconds(100))
        #expect(measured?.occupied == .milliseconds(80))
        #expect(WireTime.measuredCycle(Array(transactions.prefix(2)), perCycle: 2) == nil)
    }

    @Test func efficiencyIsMinimumOverMeasured() {
        let figures = WireFigures(
            protocolName: "modbus_rtu",
            meters: 1,
            baudRate: 9600,
            turnaroundMilliseconds: 5,
            transactionsPerCycle: 3,
            cycles: 3,
            minimumMilliseconds: 95,
            cycleMilliseconds: 100,
            occupiedMilliseconds: 96
        )
        #expect(abs(figures.efficiency - 0.95) < 1e-9)
    }
}
