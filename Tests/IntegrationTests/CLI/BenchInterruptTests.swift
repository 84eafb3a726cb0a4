import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `pro380-mqtt bench wire` interrupted while it measures (SIGINT as Ctrl-C sends it, SIGTERM as `kill` does): it
/// stops its mosquitto and its bench bridge and exits with 128 + the signal; none of its children outlives it.
@Suite(.serialized) struct BenchInterruptTests {
    /// The processes whose parent is `pid` (from `/proc/*/stat`), with their command names.
    static func children(of pid: Int32) -> [Int32: String] {
        var found: [Int32: String] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            // pid (comm) state ppid ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid {
                found[child] = String(stat[stat.index(after: open)..<close])
            }
        }
        return found
    }

    /// Whether `pid` is still a live process (not gone, not a zombie).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptedBenchmarkStopsItsChildrenAndExits(signal: Int32) async throws {
        let bench = try ChildProcess(
            CLITests.binary,
            ["bench", "wire", "--meters", "1", "--cycles", "100000", "--protocols", "modbus_rtu"]
        )
        // Measuring: the private mosquitto and the bench bridge are both running.
        var children: [Int32: String] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, bench.exitStatus == nil {
            children = Self.children(of: bench.pid)
            if children.values.contains("mosquitto"), children.values.contains(where: { $0.hasPrefix("pro380") }) {
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        defer {
            for pid in children.keys where Self.isAlive(pid) { kill(pid, SIGKILL) }
        }
        try #require(children.count == 2, "children of bench wire: \(children); output: \(bench.lines)")
        bench.send(signal)
        let ended = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { await bench.waitForExit() }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                bench.send(SIGKILL)  // so the wait above ends too
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let status = ended else {
            Issue.record("bench wire did not exit within 60 s of signal \(signal); output: \(bench.lines)")
            return
        }
        #expect(status == 128 + signal, "\(bench.lines)")
        for (pid, name) in children {
            #expect(!Self.isAlive(pid), "\(name) (\(pid)) outlived bench wire")
        }
    }
}
