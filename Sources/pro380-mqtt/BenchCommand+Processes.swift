import Foundation
import SerialIO
import Synchronization

/// A child process of the benchmark whose standard output is kept line by line (the C programs answer on it).
final class BenchChild: Sendable {
    let name: String
    private let process: Process
    private let output = LineBuffer()

    /// Starts `executable` with `arguments`; standard error goes to `log` (or nowhere).
    /// - Throws: `DemoError` when the program is missing or cannot start.
    init(_ executable: String, _ arguments: [String], name: String, log: URL? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw DemoError("\(executable) is missing: run scripts/bench.sh, which builds the benchmark's programs")
        }
        self.name = name
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            output.append(data)
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

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
            if !process.isRunning, output.state.withLock({ $0.lines.count }) <= skipping {
                throw DemoError("\(name) ended (status \(process.terminationStatus)) before printing \(prefix)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw DemoError("\(name) did not print \(prefix) within \(timeout)")
    }

    var lineCount: Int { output.state.withLock { $0.lines.count } }

    /// Every complete line printed so far.
    var lines: [String] { output.state.withLock { $0.lines } }

    func signal(_ number: Int32) { if process.isRunning { kill(process.processIdentifier, number) } }

    /// SIGTERM, then SIGKILL after `grace`; returns once the process has ended.
    func stop(grace: Duration = .seconds(10)) async {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        signal(SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        try? await Task.sleep(for: .milliseconds(20))  // the last output lines
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

/// A private mosquitto on a free loopback port for one benchmark run, without persistence.
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
