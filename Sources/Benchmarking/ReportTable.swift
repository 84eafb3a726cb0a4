import Foundation

/// The benchmark's figures as text tables, side by side, for a terminal.
package enum ReportTable {
    /// One line per scenario: values/s, CPU per 1000 values, RSS at the end of the window of floor and bridge, the
    /// ratios, and the bridge's peak RSS (start-up included).
    package static func scenarios(_ comparisons: [Comparison]) -> String {
        var lines = [
            pad("scenario", 34) + pad("values/s floor", 15, right: true) + pad("bridge", 9, right: true)
                + pad("cpu ms/1000 floor", 19, right: true) + pad("bridge", 9, right: true)
                + pad("ratio", 8, right: true) + pad("RSS MiB floor", 15, right: true)
                + pad("bridge", 9, right: true) + pad("ratio", 8, right: true) + pad("peak", 8, right: true) + "  lost"
        ]
        for c in comparisons {
            lines.append(
                pad(c.label, 34) + number(c.floorRate, 15, 0) + number(c.bridgeRate, 9, 0)
                    + number(c.floorCPU, 19, 2) + number(c.bridgeCPU, 9, 2) + number(c.cpuRatio, 7, 2) + "x"
                    + number(c.floorResidentKiB / 1024, 15, 1) + number(c.bridgeResidentKiB / 1024, 9, 1)
                    + number(c.rssRatio, 7, 1) + "x" + number(c.bridgePeakKiB / 1024, 8, 1) + "  " + lost(c)
            )
        }
        return lines.joined(separator: "\n")
    }

    /// One line per meter count of the flat-out sweep: cycle time and CPU per 1000 values of both subjects.
    package static func sweep(_ comparisons: [Comparison]) -> String {
        var lines = [
            pad("meters", 8) + pad("cycle ms floor", 16, right: true) + pad("bridge", 9, right: true)
                + pad("cpu ms/1000 floor", 19, right: true) + pad("bridge", 9, right: true)
                + pad("ratio", 8, right: true) + pad("cpu % floor", 13, right: true) + pad("bridge", 9, right: true)
        ]
        for c in comparisons {
            lines.append(
                pad("\(c.meters)", 8) + number(c.floorCycle, 16, 2) + number(c.bridgeCycle, 9, 2)
                    + number(c.floorCPU, 19, 2) + number(c.bridgeCPU, 9, 2) + number(c.cpuRatio, 7, 2) + "x"
                    + number(median(c.floor.map(\.cpuPercent)), 13, 0)
                    + number(median(c.bridge.map(\.cpuPercent)), 9, 0)
            )
        }
        return lines.joined(separator: "\n")
    }

    /// `name  12.3 MiB` lines, largest last.
    package static func baselines(_ baselines: [String: Int]) -> String {
        baselines.sorted { $0.value < $1.value }.map {
            pad($0.key, 40) + String(format: "%8.1f MiB peak RSS", Double($0.value) / 1024)
        }.joined(separator: "\n")
    }

    /// `none` or what went missing in every run that was short, the floor's and the bridge's:
    /// `floor: 128 of 267964 not received, 0 dropped; bridge: 309 of 283912 not received, 0 dropped`; a run short
    /// only by what its stop cut or its outbox kept says so (`none (bridge: 57 not read (the stop cut its last
    /// poll))`), and counts those apart otherwise.
    package static func lost(_ c: Comparison) -> String {
        var missing: [String] = []
        var explained: [String] = []
        for run in c.floor + c.bridge {
            let parts = explanations(run)
            if !run.nothingLost {
                missing.append(
                    "\(run.subject): \(run.lost) of \(run.published) not received, \(run.dropped) dropped"
                        + (parts.isEmpty ? "" : " (and " + parts.joined(separator: ", ") + ")")
                )
            } else if !parts.isEmpty {
                explained.append("\(run.subject): " + parts.joined(separator: ", "))
            }
        }
        guard missing.isEmpty else { return (missing + explained).joined(separator: "; ") }
        return explained.isEmpty ? "none" : "none (" + explained.joined(separator: "; ") + ")"
    }

    /// Why a run's subscriber count is short without a loss: the stop cut a poll, or readings wait in the outbox.
    private static func explanations(_ run: RunFigures) -> [String] {
        var parts: [String] = []
        if run.cutByStop > 0 { parts.append("\(run.cutByStop) not read (the stop cut its last poll)") }
        if run.keptInOutbox > 0 { parts.append("\(run.keptInOutbox) kept in its outbox for the next start") }
        return parts
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text + " " }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    static func number(_ value: Double, _ width: Int, _ decimals: Int) -> String {
        pad(value.isFinite ? String(format: "%.\(decimals)f", value) : "-", width, right: true)
    }
}
