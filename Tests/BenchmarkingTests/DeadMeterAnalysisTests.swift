import Benchmarking
import Simulator
import Testing

/// The dead-meter benchmark's arithmetic on a recorded line, and the scale benchmark's slope and growth.
@Suite struct DeadMeterAnalysisTests {
    let start = ContinuousClock.now
    func at(_ ms: Int) -> ContinuousClock.Instant { start + .milliseconds(ms) }

    func transaction(_ unit: UInt8, _ from: Int, _ to: Int, reply: Int) -> PacedTransaction {
        PacedTransaction(requestArrival: at(from), replyEnd: at(to), requestBytes: 8, replyBytes: reply, unit: unit)
    }

    /// Two meters, polls of two blocks (69 and 105 reply bytes); meter 3 never answers; one command to meter 2.
    var line: [PacedTransaction] {
        [
            transaction(1, 0, 80, reply: 69), transaction(1, 85, 200, reply: 105),
            transaction(3, 205, 205, reply: 0),  // held the line until the next request: 500 ms
            transaction(2, 705, 785, reply: 69), transaction(2, 790, 800, reply: 9),  // the command
            transaction(2, 805, 920, reply: 105),
            transaction(1, 925, 1005, reply: 69), transaction(1, 1010, 1125, reply: 105),
            transaction(2, 1130, 1210, reply: 69), transaction(2, 1215, 1330, reply: 105),
        ]
    }

    @Test func cycleIsTheMeanTimeBetweenPollStartsOfEachUnit() throws {
        let cycle = try #require(DeadMeterAnalysis.cycle(line, units: [1, 2], pollStartReplyBytes: 69))
        // Unit 1: 925 ms between its poll starts; unit 2: 1130 - 705 = 425 ms; the mean of the two.
        #expect(cycle == .milliseconds(675))
        #expect(DeadMeterAnalysis.cycle(line, units: [3], pollStartReplyBytes: 69) == nil)
    }

    @Test func silentRequestHoldsTheLineUntilTheNextRequest() {
        let holds = DeadMeterAnalysis.holdTimes(line)
        #expect(holds.count == line.count)
        #expect(holds.max() == .milliseconds(500))
        #expect(holds[0] == .milliseconds(80))
        // A silent request at the very end has no known length and is left out.
        #expect(DeadMeterAnalysis.holdTimes([transaction(3, 0, 0, reply: 0)]).isEmpty)
    }

    @Test func commandWaitIsPublishToItsRequest() {
        let waits = DeadMeterAnalysis.commandWaits(published: [at(300), at(5000)], line, unit: 2, replyBytes: 9)
        #expect(waits == [.milliseconds(490)], "the second command's request was never recorded")
        let figures = DeadMeterFigures(
            scenario: "x",
            healthyMeters: 2,
            deadMeters: 1,
            windowSeconds: 60,
            cycleMilliseconds: 675,
            deadRequests: 1,
            commands: 1,
            medianWaitMilliseconds: 490,
            longestWaitMilliseconds: 490,
            longestTransactionMilliseconds: 500
        )
        #expect(figures.waitRatio == 0.98)
    }

    @Test func scaleSlopeAndGrowth() throws {
        var report = ScaleReport(metersPerGateway: 10, intervalMilliseconds: 10_000)
        for (meters, kib) in [(100, 30_000), (1000, 48_000)] {
            report.steps.append(
                ScaleStep(
                    meters: meters,
                    gateways: meters / 10,
                    windowSeconds: 60,
                    cpuSeconds: 6,
                    residentKiB: kib,
                    peakResidentKiB: kib,
                    threads: 12,
                    polls: 6
                )
            )
        }
        #expect(report.slopeKiBPerMeter == 20)
        #expect(report.steps[0].cpuPercent == 10)
        report.growth = ScaleGrowth(
            meters: 20,
            intervalMilliseconds: 100,
            samples: [
                .init(seconds: 30, polls: 250, residentKiB: 40_000, threads: 12, cpuSeconds: 10),
                .init(seconds: 60, polls: 2250, residentKiB: 40_200, threads: 12, cpuSeconds: 20),
            ]
        )
        #expect(report.growth?.kibPerThousandPolls == 100)
        #expect(report.table.contains("RSS slope: 20.0 KiB per meter"))
        #expect(report.table.contains("RSS growth: 100.0 KiB per 1000 polls"))
        #expect(report.growth?.settledKiBPerThousandPolls == nil)

        // A warm-up rise, then flat: the whole-run rate includes the rise, the second half's does not.
        report.growth?.samples = [
            .init(seconds: 50, polls: 500, residentKiB: 33_000, threads: 10, cpuSeconds: 10),
            .init(seconds: 200, polls: 2000, residentKiB: 35_000, threads: 10, cpuSeconds: 40),
            .init(seconds: 600, polls: 6000, residentKiB: 35_100, threads: 10, cpuSeconds: 120),
            .init(seconds: 1000, polls: 10_000, residentKiB: 35_200, threads: 10, cpuSeconds: 200),
        ]
        // From the middle sample (2000 polls, 35,000 KiB) to the last: 200 KiB over 8000 polls.
        let settled = try #require(report.growth?.settledKiBPerThousandPolls)
        #expect(abs(settled - 25) < 1e-9)
        #expect(report.table.contains("RSS growth over the second half: 25.0 KiB per 1000 polls"))
    }
}
