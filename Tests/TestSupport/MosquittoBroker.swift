package import Foundation
import Synchronization

/// A real `mosquitto` broker for one test: generated config, free loopback port, started and stopped by the test.
///
/// `init` returns once the broker accepts TCP connections (polled with `connect`, never a fixed sleep).
/// Always `stop()` it at the end of the test. Persistence is off unless asked for, so `restart()` starts with no
/// retained messages and no sessions: what a client sees afterwards was published after the restart. With
/// `persistent: true` the broker saves retained messages and persistent sessions (with their queued messages, no
/// limit on the queue) when stopped and restores them at `restart()`, as a broker with a database does.
package final class MosquittoBroker: Sendable {
    /// Who may connect: anyone, or only the users of a password file.
    package enum Access: Sendable {
        case anonymous
        case passwords([String: String])
    }

    /// How a TLS listener presents itself and whom it lets in.
    package struct TLSOptions: Sendable {
        /// Serve the certificate made for another host (`TestCertificates.wrongNameCertFile`).
        package var wrongHostname: Bool
        /// `require_certificate true`: only clients with a certificate the test CA signed get in.
        package var requireClientCertificate: Bool

        package init(wrongHostname: Bool = false, requireClientCertificate: Bool = false) {
            self.wrongHostname = wrongHostname
            self.requireClientCertificate = requireClientCertificate
        }
    }

    /// The loopback port the broker listens on (the same after `restart()`).
    package let port: Int
    /// The temporary folder holding the config, the password file and any certificates.
    package let directory: URL
    /// The TLS material when the broker was started with `tls: true`.
    package let certificates: TestCertificates?
    private let child: Mutex<ChildProcess?>

    /// Starts a broker on a free loopback port.
    /// - Parameters:
    ///   - access: `.anonymous` (`allow_anonymous true`) or a password file made with `mosquitto_passwd`.
    ///   - tls: serve MQTT over TLS with a throwaway CA and server certificate (CN localhost, SAN 127.0.0.1).
    ///   - tlsOptions: with `tls`, a certificate for another host and/or required client certificates.
    ///   - persistent: keep retained messages and persistent sessions across `restart()`.
    package init(
        access: Access = .anonymous,
        tls: Bool = false,
        tlsOptions: TLSOptions = .init(),
        persistent: Bool = false
    ) async throws {
        port = TestEnvironment.freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mosquitto-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificates = tls ? try await TestCertificates.make(in: directory) : nil
        var config = [
            "listener \(port) 127.0.0.1",
            persistent ? "persistence true" : "persistence false",
            // Run as whoever runs the tests: as root, mosquitto would otherwise switch to user `mosquitto`, which
            // cannot read this folder; as anyone else the option is ignored.
            "user \(ProcessInfo.processInfo.userName)",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ]
        if persistent {
            config += ["persistence_location \(directory.path)/", "max_queued_messages 0", "max_inflight_messages 0"]
        }
        switch access {
        case .anonymous:
            config.append("allow_anonymous true")
        case .passwords(let users):
            let file = directory.appendingPathComponent("passwd").path
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                let passwd = try ChildProcess("/usr/bin/mosquitto_passwd", ["-b", file, user, password])
                guard await passwd.waitForExit() == 0 else {
                    throw ChildProcessError(commandLine: passwd.commandLine, output: passwd.lines, reason: "failed")
                }
            }
            config += ["allow_anonymous false", "password_file \(file)"]
        }
        if let certificates {
            let (cert, key) =
                tlsOptions.wrongHostname
                ? (certificates.wrongNameCertFile, certificates.wrongNameKeyFile)
                : (certificates.serverCertFile, certificates.serverKeyFile)
            config += ["cafile \(certificates.caFile)", "certfile \(cert)", "keyfile \(key)"]
            if tlsOptions.requireClientCertificate { config.append("require_certificate true") }
        }
        try (config.joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        child = Mutex(nil)
        try await start()
    }

    /// The broker's log so far (stderr), for failure messages.
    package var log: [String] { child.withLock { $0?.lines ?? [] } }

    /// Stops the broker with SIGTERM and waits for it to exit. Idempotent.
    package func stop() async {
        guard
            let process = child.withLock({ current -> ChildProcess? in
                defer { current = nil }
                return current
            })
        else { return }
        process.send(SIGCONT)
        process.send(SIGTERM)
        _ = await process.waitForExit()
    }

    /// Freezes the broker (SIGSTOP): connections stay open but nothing is answered, e.g. no PUBACK.
    package func pause() {
        child.withLock { $0?.send(SIGSTOP) }
    }

    /// Kills the broker at once (SIGKILL, also when paused): it reads nothing more from its sockets. `stop` or
    /// `restart` then reaps it.
    package func kill() {
        child.withLock { $0?.send(SIGKILL) }
    }

    /// Lets a paused broker run again (SIGCONT).
    package func resume() {
        child.withLock { $0?.send(SIGCONT) }
    }

    /// Stops the broker and starts a new one on the same port and config; returns once it accepts connections.
    package func restart() async throws {
        await stop()
        try await start()
    }

    /// Stops the broker and removes its temporary folder.
    package func stopAndRemove() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func start() async throws {
        let process = try ChildProcess(
            "/usr/sbin/mosquitto",
            ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        )
        child.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(10)
        while !Self.acceptsConnections(port: port) {
            if process.exitStatus != nil || ContinuousClock.now > deadline {
                throw ChildProcessError(
                    commandLine: process.commandLine,
                    output: process.lines,
                    reason: "not listening"
                )
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Whether a TCP connect to 127.0.0.1:`port` succeeds right now (the connection is closed at once).
    package static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
