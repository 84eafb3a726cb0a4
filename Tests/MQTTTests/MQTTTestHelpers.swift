import Foundation
import Logging
import MQTT
import TestSupport

/// A client configuration for `broker` with a unique client ID and a short back-off.
func configuration(
    port: Int,
    _ name: String = "test",
    protocolVersion: MQTTProtocolVersion = .v5
) -> MQTTClientConfiguration {
    MQTTClientConfiguration(
        port: port,
        clientID: "\(name)-\(UUID().uuidString.prefix(8))",
        keepAlive: .seconds(10),
        protocolVersion: protocolVersion,
        reconnectDelay: .seconds(1) ... .seconds(2)
    )
}

let testLogger: Logger = {
    var logger = Logger(label: "mqtt-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["MQTT_TEST_LOG"] == nil ? .critical : .trace
    return logger
}()

/// Runs `body` with a fresh broker, always stopping it and removing its folder.
func withBroker<T>(
    access: MosquittoBroker.Access = .anonymous,
    tls: Bool = false,
    tlsOptions: MosquittoBroker.TLSOptions = .init(),
    _ body: (MosquittoBroker) async throws -> T
) async throws -> T {
    let broker = try await MosquittoBroker(access: access, tls: tls, tlsOptions: tlsOptions)
    do {
        let result = try await body(broker)
        await broker.stopAndRemove()
        return result
    } catch {
        await broker.stopAndRemove()
        throw error
    }
}

/// Runs `body` with a client logging to `logger`, always shutting it down.
func withClient<T>(
    _ configuration: MQTTClientConfiguration,
    connect: Bool = true,
    logger: Logger = testLogger,
    _ body: (MQTTClient) async throws -> T
) async throws -> T {
    let client = try MQTTClient(configuration: configuration, logger: logger)
    do {
        if connect { try await client.connect(timeout: .seconds(5)) }
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// The test waited too long for an element of a stream.
struct StreamTimeout: Error, CustomStringConvertible {
    var collected: String
    var description: String { "timed out; collected so far: \(collected)" }
}

/// Collects elements of `stream` until `done` holds for what was collected, or fails after `timeout`.
func collect<T: Sendable>(
    _ stream: AsyncStream<T>,
    timeout: Duration = .seconds(10),
    until done: @escaping @Sendable ([T]) -> Bool
) async throws -> [T] {
    try await withThrowingTaskGroup(of: [T]?.self) { group in
        let partial = LockedBox<[T]>([])
        group.addTask {
            for await element in stream {
                let all = partial.mutate {
                    $0.append(element)
                    return $0
                }
                if done(all) { return all }
            }
            return partial.value
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let first, done(first) else { throw StreamTimeout(collected: "\(partial.value)") }
        return first
    }
}

/// Runs `mosquitto_pub` once and waits for it.
func mosquittoPub(port: Int, topic: String, message: String, retain: Bool = false, qos: Int = 1) async throws {
    var arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-t", topic, "-m", message, "-q", "\(qos)"]
    if retain { arguments.append("-r") }
    let process = try ChildProcess("/usr/bin/mosquitto_pub", arguments)
    guard await process.waitForExit() == 0 else {
        throw ChildProcessError(commandLine: process.commandLine, output: process.lines, reason: "failed")
    }
}
