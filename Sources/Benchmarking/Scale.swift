import Foundation

/// One step of the scale sweep: the bridge polling `meters` meters behind `gateways` Modbus TCP gateways.
package struct ScaleStep: Sendable, Equatable, Codable {
    package var meters: Int
    package var gateways: Int
    package var windowSeconds: Double
    /// The bridge's CPU time (every thread) over the window, seconds.
    package var cpuSeconds: Double
    /// `VmRSS` and `VmHWM` at the end of the window, KiB.
    package var residentKiB: Int
    package var peakResidentKiB: Int
    /// The bridge's threads at the end of the window.
    package var threads: Int
    /// Polls of the first meter seen in the window (its `voltage_l1` readings).
    package var polls: Int

    package init(
        meters: Int,
        gateways: Int,
        windowSeconds: Double,
        cpuSeconds: Double,
        residentKiB: Int,
        peakResidentKiB: Int,
        threads: Int,
        polls: Int
    ) {
        self.meters = meters
        self.gateways = gateways
        self.windowSeconds = windowSeconds
        self.cpuSeconds = cpuSeconds
        self.residentKiB = residentKiB
        self.peakResidentKiB = peakResidentKiB
        self.threads = threads
        self.polls = polls
    }

    /// The CPU share of one core over the window, percent.
    package var cpuPercent: Double { windowSeconds > 0 ? cpuSeconds / windowSeconds * 100 : 0 }
}

/// The growth run: the bridge's RSS and threads sampled over many poll cycles.
package struct ScaleGrowth: Sendable, Equatable, Codable {
    package struct Sample: Sendable, Equatable, Codable {
        package var seconds: Double
        /// Polls of the first meter so far.
        package var polls: Int
        package var residentKiB: Int
        package var threads: Int
        package var cpuSeconds: Double

        package init(seconds: Double, polls: Int, residentKiB: Int, threads: Int, cpuSeconds: Double) {
            self.seconds = seconds
            self.polls = polls
            self.residentKiB = residentKiB
            self.threads = threads
            self.cpuSeconds = cpuSeconds
        }
    }

    package var meters: Int
    package var intervalMilliseconds: Int
    package var samples: [Sample]

    package init(meters: Int, intervalMilliseconds: Int, samples: [Sample]) {
        self.meters = meters
        self.intervalMilliseconds = intervalMilliseconds
        self.samples = samples
    }

    /// RSS growth from the first sample (after the start-up) to the last, KiB per 1000 polls of a meter; `nil`
    /// with fewer than two samples or no polls between them.
    package var kibPerThousandPolls: Double? {
        guard let first = samples.first, let last = samples.last, last.polls > first.polls else { return nil }
        return Double(last.residentKiB - first.residentKiB) / Double(last.polls - first.polls) * 1000
    }

    /// RSS growth over the second half of the run (from the middle sample to the last), KiB per 1000 polls of a
    /// meter: the settled rate, without the warm-up's rise (allocator pools, caches, the page cache's fault-around)
    /// that `kibPerThousandPolls` includes; `nil` with fewer than three samples or no polls between them.
    package var settledKiBPerThousandPolls: Double? {
        guard samples.count >= 3, let last = samples.last else { return nil }
        let middle = samples[(samples.count - 1) / 2]
        guard last.polls > middle.polls else { return nil }
        return Double(last.residentKiB - middle.residentKiB) / Double(last.polls - middle.polls) * 1000
    }
}

/// The scale benchmark's figures.
package struct ScaleReport: Sendable, Equatable, Codable {
    package var metersPerGateway: Int
    package var intervalMilliseconds: Int
    package var steps: [ScaleStep] = []
    package var growth: ScaleGrowth?

    package init(metersPerGateway: Int, intervalMilliseconds: Int) {
        self.metersPerGateway = metersPerGateway
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// RSS per added meter between the smallest and the largest step, KiB; `nil` with one step.
    package var slopeKiBPerMeter: Double? {
        guard let first = steps.min(by: { $0.meters < $1.meters }), let last = steps.max(by: { $0.meters < $1.meters }),
            last.meters > first.meters
        else { return nil }
        return Double(last.residentKiB - first.residentKiB) / Double(last.meters - first.meters)
    }

    /// The figures as tables.
    package var table: String {
        var lines = [
            "every \(intervalMilliseconds) ms, \(metersPerGateway) meters per Modbus TCP gateway",
            "meters  gateways  CPU % of one core  RSS MiB  peak RSS MiB  threads  polls of one meter / expected",
        ]
        for step in steps {
            let expected = intervalMilliseconds > 0 ? step.windowSeconds * 1000 / Double(intervalMilliseconds) : 0
            lines.append(
                String(
                    format: "%6d %9d %18.1f %8.1f %13.1f %8d %16d / %.0f",
                    step.meters,
                    step.gateways,
                    step.cpuPercent,
                    Double(step.residentKiB) / 1024,
                    Double(step.peakResidentKiB) / 1024,
                    step.threads,
                    step.polls,
                    expected
                )
            )
        }
        if let slope = slopeKiBPerMeter {
            lines.append(String(format: "RSS slope: %.1f KiB per meter (goal 32)", slope))
        }
        if let growth {
            lines.append("")
            lines.append("growth: \(growth.meters) meters every \(growth.intervalMilliseconds) ms")
            lines.append("seconds  polls of one meter  RSS MiB  threads  CPU % of one core")
            var previous: ScaleGrowth.Sample?
            for sample in growth.samples {
                let cpu = previous.map { (sample.cpuSeconds - $0.cpuSeconds) / (sample.seconds - $0.seconds) * 100 }
                lines.append(
                    String(
                        format: "%7.0f %19d %8.1f %8d %18.1f",
                        sample.seconds,
                        sample.polls,
                        Double(sample.residentKiB) / 1024,
                        sample.threads,
                        cpu ?? sample.cpuSeconds / sample.seconds * 100
                    )
                )
                previous = sample
            }
            if let rate = growth.kibPerThousandPolls {
                lines.append(
                    String(format: "RSS growth: %.1f KiB per 1000 polls of each meter (from the first sample)", rate)
                )
            }
            if let settled = growth.settledKiBPerThousandPolls {
                lines.append(String(format: "RSS growth over the second half: %.1f KiB per 1000 polls", settled))
            }
        }
        return lines.joined(separator: "\n")
    }
}
