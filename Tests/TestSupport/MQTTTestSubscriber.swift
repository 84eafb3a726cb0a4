import Foundation

/// An independent MQTT subscriber for tests: `mosquitto_sub` (mosquitto-clients), so what our client publishes is
/// checked by another implementation.
///
/// `init` returns once the broker acknowledged the subscription (the `-d` debug line "Subscribed (mid: ...)"), so
/// a message published afterwards is seen even when it is not retained and no retained message came first.
package final class MQTTTestSubscriber: Sendable {
    /// One message as `mosquitto_sub -d -v` reported it.
    package struct Received: Sendable, Equatable, CustomStringConvertible {
        package var topic: String
        package var payload: String
        package var qos: Int
        package var retain: Bool

        package init(topic: String, payload: String, qos: Int, retain: Bool) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }

        package var description: String { "\(topic) \(payload) (q\(qos)\(retain ? ", retained" : ""))" }
    }

    private let process: ChildProcess
    private let count: Int

    /// Starts `mosquitto_sub -C count` on `topics` at QoS `qos` and waits for its SUBACK.
    /// - Parameters:
    ///   - timeout: `mosquitto_sub -W`: it gives up (and exits) after this many seconds.
    package init(
        port: Int,
        topics: [String],
        count: Int,
        qos: Int = 1,
        mqtt5: Bool = true,
        timeout: Int = 10
    ) async throws {
        var arguments = [
            "-h", "127.0.0.1", "-p", "\(port)", "-V", mqtt5 ? "mqttv5" : "mqttv311", "-d", "-v", "-q", "\(qos)",
            "-C", "\(count)", "-W", "\(timeout)",
        ]
        for topic in topics { arguments += ["-t", topic] }
        // Line-buffered (coreutils' `stdbuf`, which then runs mosquitto_sub in its own process): into a pipe,
        // mosquitto_sub's stdout is block-buffered and flushed only when a message arrives, so the "Subscribed"
        // line would not be seen before a first message or the exit.
        process = try ChildProcess("/usr/bin/stdbuf", ["-oL", "/usr/bin/mosquitto_sub"] + arguments)
        self.count = count
        try await process.waitForLine { $0.hasPrefix("Subscribed (mid:") }
    }

    /// Waits until `mosquitto_sub` received its `count` messages (or timed out) and returns what it received.
    package func messages() async -> [Received] {
        _ = await process.waitForExit()
        return Self.parse(process.lines)
    }

    /// Stops `mosquitto_sub` early (SIGTERM) and waits for it.
    package func stop() async {
        process.send(SIGTERM)
        _ = await process.waitForExit()
    }

    /// Pairs each debug line `Client ... received PUBLISH (d0, q1, r1, m2, 'a/b', ... (5 bytes))` with the
    /// `a/b payload` line that follows it (after any other debug lines).
    static func parse(_ lines: [String]) -> [Received] {
        var received: [Received] = []
        var index = lines.startIndex
        while index < lines.endIndex {
            defer { index += 1 }
            let line = lines[index]
            guard let start = line.range(of: "received PUBLISH (d"), index + 1 < lines.endIndex else { continue }
            let fields = line[start.upperBound...].split(separator: ",", maxSplits: 4)
            guard fields.count == 5, let qos = Int(fields[1].dropFirst(2)), let retain = Int(fields[2].dropFirst(2)),
                let topicStart = fields[4].firstIndex(of: "'"), let topicEnd = fields[4].lastIndex(of: "'"),
                topicStart < topicEnd
            else { continue }
            let topic = String(fields[4][fields[4].index(after: topicStart)..<topicEnd])
            // The PUBACK/PUBREC debug lines may come before the message line itself.
            guard let next = lines[(index + 1)...].firstIndex(where: { !$0.hasPrefix("Client ") }),
                lines[next].hasPrefix(topic + " ")
            else { continue }
            received.append(
                Received(
                    topic: topic,
                    payload: String(lines[next].dropFirst(topic.count + 1)),
                    qos: qos,
                    retain: retain == 1
                )
            )
            index = next
        }
        return received
    }
}

#if canImport(Glibc)
import Glibc
#endif
