import Foundation
import ProcessSpawn
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A child started by `ChildSpawn` from a thread that blocks every signal (as libdispatch's worker threads do)
/// starts with nothing blocked and nothing ignored, holds none of this process's descriptors, and obeys SIGTERM:
/// a real `/bin/sleep`, its state read from `/proc`.
@Suite struct ChildSpawnTests {
    /// A `SigBlk:`/`SigIgn:` field of `/proc/<pid>/status`, as a number.
    static func signalField(_ field: String, of pid: Int32) throws -> UInt64 {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(field):") })
        return try #require(UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
    }

    /// The open descriptors of process `pid`, in order, with what each one is (`/dev/null`, `pipe:[...]`).
    static func descriptors(of pid: Int32) throws -> [(fd: Int, target: String)] {
        let folder = "/proc/\(pid)/fd"
        return try FileManager.default.contentsOfDirectory(atPath: folder).compactMap(Int.init).sorted().map { fd in
            (fd, (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)")) ?? "?")
        }
    }

    /// `ChildSpawn.spawn` on a new thread whose signal mask blocks every signal.
    static func spawnFromBlockingThread(_ arguments: [String]) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var all = sigset_t()
                sigfillset(&all)
                pthread_sigmask(SIG_SETMASK, &all, nil)
                continuation.resume(with: Result { try ChildSpawn.spawn("/bin/sleep", arguments) })
            }
        }
    }

    @Test func theChildStartsWithNoSignalBlockedOrIgnoredAndEndsOnSigterm() async throws {
        var leaked: [Int32] = [-1, -1]
        #expect(pipe(&leaked) == 0)  // not close-on-exec: the child must not get it anyway
        defer { leaked.forEach { close($0) } }
        let pid = try await Self.spawnFromBlockingThread(["30"])
        let exited = Task.detached { ChildSpawn.waitForExit(pid) }
        // The child has exec'd once /proc shows sleep (before, it is still a copy of this process).
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) != "sleep\n",
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try Self.signalField("SigBlk", of: pid) == 0)
        // Signals 1-31; glibc's posix_spawn sets its own two internal real-time signals (32, 33) to SIG_IGN.
        let ignored = try Self.signalField("SigIgn", of: pid) & 0x7FFF_FFFF
        #expect(ignored == 0, "ignored signals: \(String(ignored, radix: 16))")
        // Only 0, 1 and 2. `sleep` opens its locale's files for a moment as it starts (setlocale), so the listing
        // is read until it has only those or the deadline passes; an inherited descriptor would stay open.
        var descriptors = try Self.descriptors(of: pid)
        while descriptors.map(\.fd) != [0, 1, 2], ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            descriptors = try Self.descriptors(of: pid)
        }
        #expect(descriptors.map(\.fd) == [0, 1, 2], "\(descriptors)")
        kill(pid, SIGTERM)
        #expect(await exited.value == 128 + SIGTERM)
    }

    @Test func aMissingProgramIsReportedByName() async throws {
        #expect(throws: ChildSpawn.Failure.self) {
            try ChildSpawn.spawn("/nonexistent/program", [])
        }
        do {
            _ = try ChildSpawn.spawn("/nonexistent/program", [])
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/program: cannot start: "))
        }
    }

    @Test func theExitStatusReadsAsAShellReportsIt() async throws {
        let pid = try ChildSpawn.spawn("/bin/sh", ["-c", "exit 3"])
        #expect(await Task.detached { ChildSpawn.waitForExit(pid) }.value == 3)
    }

    /// With `ownProcessGroup` the child leads a process group of its own, so the terminal's SIGINT (sent to the
    /// foreground group) does not reach it; without, it stays in this process's group.
    @Test func aChildCanLeadAProcessGroupOfItsOwn() async throws {
        let own = try ChildSpawn.spawn("/bin/sleep", ["30"], ownProcessGroup: true)
        let shared = try ChildSpawn.spawn("/bin/sleep", ["30"])
        defer {
            for pid in [own, shared] {
                kill(pid, SIGTERM)
                _ = ChildSpawn.waitForExit(pid)
            }
        }
        #expect(getpgid(own) == own)
        #expect(getpgid(shared) == getpgrp())
    }
}
