import Benchmarking
import Foundation
import Testing

/// Figures, ratios, tables and the plot of `bench compare`.
@Suite struct ReportTests {
    func run(
        _ subject: String,
        cpu: Double,
        values: Int,
        resident: Int = 4096,
        peak: Int = 4096,
        received: Int = 100
    ) -> RunFigures {
        RunFigures(
            subject: subject,
            qos: 0,
            intervalMilliseconds: 100,
            meters: 2,
            windowSeconds: 10,
            values: values,
            valuesPerPoll: 62,
            cpuMilliseconds: cpu,
            residentKiB: resident,
            peakResidentKiB: peak,
            published: 100,
            received: received,
            dropped: 0
        )
    }

    @Test func figuresPerThousandValuesPerSecondAndCycle() {
        let figures = run("floor", cpu: 40, values: 12_400)
        #expect(figures.valuesPerSecond == 1240)
        #expect(abs(figures.cpuPerThousandValues - 40_000.0 / 12_400) < 1e-9)
        #expect(figures.cpuPercent == 0.4)
        // 2 meters * 62 values a cycle at 1240 values/s: 100 ms a cycle.
        #expect(abs(figures.cycleMilliseconds - 100) < 1e-9)
        #expect(figures.nothingLost)
        #expect(!run("bridge", cpu: 1, values: 1, received: 99).nothingLost)
    }

    @Test func ratiosArePairedMedians() {
        let comparison = Comparison(
            qos: 0,
            intervalMilliseconds: 0,
            meters: 1,
            floor: [run("floor", cpu: 10, values: 1000), run("floor", cpu: 20, values: 1000)],
            bridge: [
                run("bridge", cpu: 60, values: 1000, resident: 32768, peak: 40960),
                run("bridge", cpu: 100, values: 1000, resident: 32768, peak: 40960),
            ]
        )
        #expect(comparison.floorCPU == 15)
        #expect(comparison.bridgeCPU == 80)
        #expect(comparison.cpuRatio == 5.5)  // pairs: 6x and 5x
        #expect(comparison.rssRatio == 8)  // from the RSS at the end of the window, not the peak
        #expect(comparison.bridgePeakKiB == 40960)
        #expect(comparison.label == "QoS 0, flat out, 1 meter")
        let table = ReportTable.scenarios([comparison])
        #expect(table.contains("QoS 0, flat out, 1 meter"))
        #expect(table.contains("5.50x"))
        #expect(table.contains("8.0x"))
        #expect(table.contains("40.0"))
        #expect(table.contains("none"))
    }

    @Test func lostNamesEveryShortRunOfFloorAndBridge() {
        let comparison = Comparison(
            qos: 1,
            intervalMilliseconds: 0,
            meters: 1,
            floor: [run("floor", cpu: 10, values: 1000, received: 90)],
            bridge: [run("bridge", cpu: 20, values: 1000, received: 97)]
        )
        #expect(
            ReportTable.lost(comparison)
                == "floor: 10 of 100 not received, 0 dropped; bridge: 3 of 100 not received, 0 dropped"
        )
    }

    /// A bridge run whose last poll the stop cut is short by exactly what was not read: no loss, and the table
    /// says why the subscriber's count is short; a shortfall beyond the cut is still a loss.
    @Test func lostTellsAPollCutByTheStopFromALoss() {
        var cut = run("bridge", cpu: 20, values: 1000, received: 57)
        cut.cutByStop = 43
        #expect(cut.nothingLost && cut.lost == 0)
        let comparison = Comparison(
            qos: 0,
            intervalMilliseconds: 0,
            meters: 1,
            floor: [run("floor", cpu: 10, values: 1000)],
            bridge: [cut]
        )
        #expect(ReportTable.lost(comparison) == "none (bridge: 43 not read (the stop cut its last poll))")
        var short = cut
        short.received = 50
        #expect(!short.nothingLost && short.lost == 7)
        let shortComparison = Comparison(
            qos: 0,
            intervalMilliseconds: 0,
            meters: 1,
            floor: [run("floor", cpu: 10, values: 1000)],
            bridge: [short]
        )
        #expect(
            ReportTable.lost(shortComparison)
                == "bridge: 7 of 100 not received, 0 dropped (and 43 not read (the stop cut its last poll))"
        )
        // QoS 1: what the shutdown's deadline left unacknowledged waits in the outbox for the next start.
        var kept = run("bridge", cpu: 20, values: 1000, received: 60)
        kept.keptInOutbox = 40
        #expect(kept.nothingLost)
        let keptComparison = Comparison(
            qos: 1,
            intervalMilliseconds: 0,
            meters: 1,
            floor: [run("floor", cpu: 10, values: 1000, received: 98)],
            bridge: [kept]
        )
        #expect(
            ReportTable.lost(keptComparison)
                == "floor: 2 of 100 not received, 0 dropped; bridge: 40 kept in its outbox for the next start"
        )
        kept.received = 59
        #expect(!kept.nothingLost && kept.lost == 1)
    }

    /// The bridge's text log line at shutdown, as `MeterPoller` writes it, summed over meters.
    @Test func readingsCutByStopAreReadFromTheBridgesLog() {
        let log = """
            2026-12-05T00:14:39+0000 notice pro380-mqtt: [Bridge] shutting down: publishing offline
            2026-12-05T00:14:39+0000 info pro380-mqtt: meter=m1 not_read=57 published=11 [Bridge] shutdown cut the \
            poll short: 11 values published, 57 not read
            2026-12-05T00:14:39+0000 info pro380-mqtt: meter=m2 not_read=6 published=62 [Bridge] shutdown cut the \
            poll short: 62 values published, 6 not read
            2026-12-05T00:14:39+0000 info pro380-mqtt: not_read=99 [Bridge] some other line
            """
        #expect(BridgeLogFigures.readingsCutByStop(log: log) == 63)
        #expect(BridgeLogFigures.readingsCutByStop(log: "") == 0)
    }

    @Test func reportRoundTripsAsJSON() throws {
        let report = BenchReport(
            scenarios: [
                Comparison(
                    qos: 1,
                    intervalMilliseconds: 100,
                    meters: 1,
                    floor: [run("floor", cpu: 1, values: 9)],
                    bridge: []
                )
            ],
            sweep: [],
            baselines: ["empty-swift": 2048]
        )
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(BenchReport.self, from: data) == report)
    }

    @Test func chartDrawsEverySeriesAndPoint() {
        let chart = SVGChart(
            title: "a <test>",
            panels: [
                SVGChart.Panel(
                    title: "cycle",
                    xLabel: "meters",
                    yLabel: "ms",
                    series: [
                        SVGChart.Series(name: "floor", color: "#00f", points: [(1, 1), (2, 2), (10, 9)]),
                        SVGChart.Series(name: "bridge", color: "#f00", points: [(1, 3), (2, 5), (10, 40)]),
                    ]
                )
            ]
        )
        let svg = chart.svg
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt;test&gt;"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.components(separatedBy: "<circle").count == 7)
        #expect(svg.contains(">50<"))  // the y axis tops at 50 for a largest value of 40
    }

    @Test func probeReadsThisProcess() throws {
        let status = "Name:\tx\nVmHWM:\t   33792 kB\nVmRSS:\t   30000 kB\nThreads:\t23\n"
        #expect(ProcessProbe.count(status: status, field: "Threads") == 23)
        #expect(ProcessProbe.kibibytes(status: status, field: "VmHWM") == 33792)
        #expect(ProcessProbe.kibibytes(status: status, field: "VmRSS") == 30000)
        #expect(ProcessProbe.kibibytes(status: status, field: "VmSwap") == nil)
        let sample = try #require(ProcessProbe.sample(pid: getpid()))
        #expect(sample.cpuSeconds > 0)
        #expect(sample.threads >= 1)
        #expect(sample.peakResidentKiB >= sample.residentKiB && sample.residentKiB > 0)
    }
}
