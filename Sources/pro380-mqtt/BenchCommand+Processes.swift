import Foundation
import ProcessSpawn
import SerialIO
import Synchronization

/// A child process of the benchmark whose standard output is kept line by line (the C programs answer on it).
///
/// Started by `ChildSpawn` (every signal unblocked and at its default action, so SIGTERM stops it) and listed in
/// `BenchChildren` until it is reaped, so an interrupted benchmark stops every child still running.
final class BenchChild: Sendable {
    let name: String
    let pid: Int32
    private let output = LineBuffer()
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; standard error goes to `log` (or nowhere); `ownProcessGroup`: see
    /// `ChildSpawn.spawn`.
    /// - Throws: `DemoError` when the program is missing or cannot start.
    init(
        _ executable: String,
        _ arguments: [String],
        name: String,
        log: URL? = nil,
        ownProcessGroup: Bool = false
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw DemoError("\(executable) is missing: run scripts/bench.sh, which builds the benchmark's programs")
        }
        self.name = name
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw DemoError("\(name): pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // children started meanwhile must not hold it
        let logFD = log.map { open($0.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer {
            close(fds[1])
            if let logFD, logFD >= 0 { close(logFD) }
        }
        do {
            pid = try BenchChildren.spawn(
                executable,
                arguments,
                name: name,
                standardOutput: fds[1],
                standardError: logFD.flatMap { $0 >= 0 ? $0 : nil },
                ownProcessGroup: ownProcessGroup
            )
        } catch {
            close(fds[0])
            throw DemoError(error.description)
        }
        let (pid, readEnd) = (pid, fds[0])
        // Read to the end, then reap, on a thread of its own: every line is in before the exit status is.
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                output.append(Data(buffer[0..<count]))
            }
            close(readEnd)
            let code = ChildSpawn.waitForExit(pid)
            status.withLock { $0 = code }
            BenchChildren.reaped(pid)
        }
    }

    var isRunning: Bool { status.withLock { $0 == nil } }

    /// The exit status (128 + signal when a signal ended it) once the process ended.
    var terminationStatus: Int32? { status.withLock { $0 } }

    /// The first line (after `skipping` earlier ones) that starts with `prefix`, waiting up to `timeout`.
    /// - Throws: `DemoError` when it does not come or the process ended.
    func line(
        startingWith prefix: String,
        after skipping: Int = 0,
        timeout: Duration = .seconds(10)
    ) async throws
        -> (text: String, index: Int)
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = output.state.withLock { state in
                state.lines.indices.dropFirst(skipping).first { state.lines[$0].hasPrefix(prefix) }
                    .map { (state.lines[$0], $0) }
            }
            if let found { return (found.0, found.1) }
            if let ended = terminationStatus, output.state.withLock({ $0.lines.count }) <= skipping {
                throw DemoError("\(name) ended (status \(ended)) before printing \(prefix)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw DemoError("\(name) did not print \(prefix) within \(timeout)")
    }

    var lineCount: Int { output.state.withLock { $0.lines.count } }

    /// Every complete line printed so far.
    var lines: [String] { output.state.withLock { $0.lines } }

    func signal(_ number: Int32) { if isRunning { kill(pid, number) } }

    /// SIGTERM, then SIGKILL after `grace`; returns once the process has ended. Waits in a task of its own, so a
    /// caller cancelled by Ctrl-C still waits for the child to end instead of leaving it behind.
    func stop(grace: Duration = .seconds(10)) async {
        await Task {
            signal(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            signal(SIGKILL)
            while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }.value
    }

    /// `stop` for a synchronous caller (a `defer`): blocks the calling thread until the process ended.
    func stopNow(grace: Duration = .seconds(2)) {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        signal(SIGKILL)
        while isRunning { usleep(10_000) }
    }
}

/// The lines a child printed so far (and the unfinished last one), filled from the pipe's reading thread.
final class LineBuffer: Sendable {
    let state = Mutex<(lines: [String], partial: String)>(([], ""))

    func append(_ data: Data) {
        state.withLock { state in
            state.partial += String(decoding: data, as: UTF8.self)
            while let newline = state.partial.firstIndex(of: "\n") {
                state.lines.append(String(state.partial[..<newline]))
                state.partial.removeSubrange(...newline)
            }
        }
    }
}

/// A private mosquitto on a free loopback port for one benchmark run, without persistence, and without a bound on
/// the QoS 1 messages it queues for a subscriber (`max_queued_messages 0`): with mosquitto's default of 1000, a
/// flat-out QoS 1 run outran the counting subscriber at the end of its window and the broker dropped the excess
/// (floor and bridge alike), which the table showed as "not received".
final class BenchBroker: Sendable {
    let port: Int
    private let child: BenchChild
    private let folder: URL

    init() async throws {
        let executable = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let executable else { throw DemoError("mosquitto is not installed: run scripts/setup.sh") }
        let probe = try TCPListener(host: "127.0.0.1", port: 0)
        port = probe.port
        probe.close()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("mosquitto.conf")
        try """
        listener \(port) 127.0.0.1
        allow_anonymous true
        persistence false
        user \(ProcessInfo.processInfo.userName)
        log_dest none
        max_queued_messages 0

        """.write(to: config, atomically: true, encoding: .utf8)
        child = try BenchChild(executable, ["-c", config.path], name: "mosquitto")
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let transport = try? await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .seconds(1)) {
                await transport.close()
                return
            }
            guard child.isRunning, ContinuousClock.now < deadline else {
                await stop()
                throw DemoError("mosquitto did not start listening on 127.0.0.1:\(port)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async {
        await child.stop(grace: .seconds(2))
        try? FileManager.default.removeItem(at: folder)
    }
}
