/// One scenario (QoS, interval, meters) with the runs of both subjects, interleaved, and their medians and ratios.
package struct Comparison: Sendable, Equatable, Codable {
    package var qos: Int
    package var intervalMilliseconds: Int
    package var meters: Int
    package var floor: [RunFigures]
    package var bridge: [RunFigures]

    package init(qos: Int, intervalMilliseconds: Int, meters: Int, floor: [RunFigures], bridge: [RunFigures]) {
        self.qos = qos
        self.intervalMilliseconds = intervalMilliseconds
        self.meters = meters
        self.floor = floor
        self.bridge = bridge
    }

    /// The scenario as a person reads it: `QoS 0, every 100 ms, 1 meter`.
    package var label: String {
        let pace = intervalMilliseconds == 0 ? "flat out" : "every \(intervalMilliseconds) ms"
        return "QoS \(qos), \(pace), \(meters) meter\(meters == 1 ? "" : "s")"
    }

    /// The median CPU per 1000 values of each subject.
    package var floorCPU: Double { median(floor.map(\.cpuPerThousandValues)) }
    package var bridgeCPU: Double { median(bridge.map(\.cpuPerThousandValues)) }

    /// Bridge over floor, run pair by run pair (pairs ran back to back, so a drift of the machine's speed cancels),
    /// then the median of the pairs.
    package var cpuRatio: Double {
        median(zip(bridge, floor).map { $0.cpuPerThousandValues / $1.cpuPerThousandValues })
    }

    /// RSS at the end of the measuring window (`VmRSS`, what the subject keeps resident while it runs), median, KiB.
    package var floorResidentKiB: Double { median(floor.map { Double($0.residentKiB) }) }
    package var bridgeResidentKiB: Double { median(bridge.map { Double($0.residentKiB) }) }
    package var rssRatio: Double { floorResidentKiB > 0 ? bridgeResidentKiB / floorResidentKiB : 0 }

    /// Peak RSS (`VmHWM`, start-up included), median, KiB.
    package var floorPeakKiB: Double { median(floor.map { Double($0.peakResidentKiB) }) }
    package var bridgePeakKiB: Double { median(bridge.map { Double($0.peakResidentKiB) }) }

    package var floorRate: Double { median(floor.map(\.valuesPerSecond)) }
    package var bridgeRate: Double { median(bridge.map(\.valuesPerSecond)) }

    package var floorCycle: Double { median(floor.map(\.cycleMilliseconds)) }
    package var bridgeCycle: Double { median(bridge.map(\.cycleMilliseconds)) }

    /// Every run of both subjects lost nothing.
    package var nothingLost: Bool { (floor + bridge).allSatisfy(\.nothingLost) }
}

/// The whole benchmark: the scenarios, the meters sweep, and the idle baselines (RSS of programs that do nothing).
package struct BenchReport: Sendable, Equatable, Codable {
    package var scenarios: [Comparison]
    package var sweep: [Comparison]
    /// Name (`pro380-mqtt idle`, `empty Swift program`, ...) to peak RSS in KiB.
    package var baselines: [String: Int]
    /// Keys whose payloads (time aside) are identical in the floor's and the bridge's output.
    package var identicalPayloads: Int
    /// Keys that differ or that the bridge lacks, with both payloads.
    package var payloadDifferences: [String]

    package init(
        scenarios: [Comparison],
        sweep: [Comparison],
        baselines: [String: Int],
        identicalPayloads: Int = 0,
        payloadDifferences: [String] = []
    ) {
        self.scenarios = scenarios
        self.sweep = sweep
        self.baselines = baselines
        self.identicalPayloads = identicalPayloads
        self.payloadDifferences = payloadDifferences
    }
}
