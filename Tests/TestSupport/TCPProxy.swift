import Foundation

/// A one-connection TCP relay (`socat`) between a client and a broker, so a test can cut the connection abruptly:
/// `cut()` kills the relay with SIGKILL, the broker sees the socket close without a DISCONNECT and publishes the
/// client's will; the client sees its connection lost.
package final class TCPProxy: Sendable {
    /// The loopback port clients connect to.
    package let port: Int
    private let process: ChildProcess

    /// Starts relaying 127.0.0.1:`port` to 127.0.0.1:`targetPort`; returns once socat listens (its own log line,
    /// not a probe connection, since it serves exactly one connection).
    package init(to targetPort: Int) async throws {
        port = TestEnvironment.freeLoopbackPort()
        process = try ChildProcess(
            "/usr/bin/socat",
            ["-d", "-d", "TCP-LISTEN:\(port),bind=127.0.0.1,reuseaddr", "TCP:127.0.0.1:\(targetPort)"]
        )
        try await process.waitForLine { $0.contains("listening on") }
    }

    /// Kills the relay (SIGKILL): both TCP connections close at once, without any MQTT packet.
    package func cut() async {
        process.send(SIGKILL)
        _ = await process.waitForExit()
    }
}

#if canImport(Glibc)
import Glibc
#endif
