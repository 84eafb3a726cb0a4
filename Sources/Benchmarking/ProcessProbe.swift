import Foundation

/// CPU time and memory of a running process, read from `/proc` (Linux).
package struct ProcessSample: Sendable, Equatable {
    /// User + system CPU time of every thread so far, in seconds.
    package var cpuSeconds: Double
    /// Resident set size now (`VmRSS`), KiB.
    package var residentKiB: Int
    /// Peak resident set size (`VmHWM`), KiB.
    package var peakResidentKiB: Int
    /// Threads of the process now (`Threads`).
    package var threads: Int = 0
}

/// Reads `ProcessSample`s; the parsers are pure so they can be tested on sample text.
package enum ProcessProbe {
    /// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB.
    package static func kibibytes(status: String, field: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ").compactMap { Int($0) }.first
        }
        return nil
    }

    /// A plain number field of `/proc/PID/status` (`Threads`).
    package static func count(status: String, field: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }.first
        }
        return nil
    }

    /// The CPU time of every thread of `pid` so far, exited threads included, to the nanosecond: the process's CPU
    /// clock (`clock_getcpuclockid`). `/proc/PID/stat` counts in 10 ms ticks, too coarse for a process that needs
    /// 2 ms of CPU a second.
    package static func cpuSeconds(pid: Int32) -> Double? {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return nil }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The process's figures now, or `nil` when it is gone.
    package static func sample(pid: Int32) -> ProcessSample? {
        guard let cpu = cpuSeconds(pid: pid),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        return ProcessSample(
            cpuSeconds: cpu,
            residentKiB: kibibytes(status: status, field: "VmRSS") ?? 0,
            peakResidentKiB: kibibytes(status: status, field: "VmHWM") ?? 0,
            threads: count(status: status, field: "Threads") ?? 0
        )
    }
}
