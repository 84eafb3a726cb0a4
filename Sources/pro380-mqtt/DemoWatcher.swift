import Bridge
import Foundation
import Logging
import MQTT
import ServiceLifecycle

/// Subscribes to `<base>/#` with its own MQTT client and prints a summary of each meter every few seconds:
/// what a dashboard would see, straight from the broker.
actor DemoWatcher: Service {
    let host: String
    let port: Int
    let baseTopic: String
    let logger: Logger
    private(set) var messageCount = 0
    private var latest: [String: [String: String]] = [:]
    private var availability: [String: String] = [:]

    /// The keys shown per meter, in order; every other key is still counted.
    static let shown = [
        "voltage_l1", "voltage_l2", "voltage_l3", "current_l1", "active_power_total", "frequency",
        "forward_active_energy_total", "reverse_active_energy_total", "tariff",
    ]

    init(host: String, port: Int, baseTopic: String, logger: Logger) {
        self.host = host
        self.port = port
        self.baseTopic = baseTopic
        self.logger = logger
    }

    func run() async throws {
        // The bridge's own client logs the broker's comings and goings; the watcher's would say each of them twice
        // (a newcomer's check found every connection line doubled). Its errors still show, and everything at debug.
        var clientLogger = logger
        if clientLogger.logLevel > .debug { clientLogger.logLevel = .error }
        let client = try MQTTClient(
            configuration: MQTTClientConfiguration(host: host, port: port, clientID: "pro380-demo-watcher"),
            logger: clientLogger
        )
        try await client.connect()
        let messages = client.messages()
        try await client.subscribe(["\(baseTopic)/#"], qos: .atMostOnce)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in messages { await self.record(message) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(4))
                        if !Task.isCancelled { await self.printSummary() }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        await client.shutdown()
    }

    private func record(_ message: MQTTMessage) {
        messageCount += 1
        let levels = message.topic.dropFirst(baseTopic.count + 1).split(separator: "/").map(String.init)
        guard levels.count == 2, levels[0] != "bridge" else { return }
        let (meter, key) = (levels[0], levels[1])
        if key == "availability" {
            availability[meter] = message.payloadString
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any],
            let value = object["value"]
        else {
            return
        }
        let unit = (object["unit"] as? String).map { " \($0)" } ?? ""
        latest[meter, default: [:]][key] = "\(value)\(unit)"
    }

    private func printSummary() {
        guard !latest.isEmpty else {
            Console.write("waiting for the first readings ...")
            return
        }
        var lines = ["--- \(Timestamp.rfc3339(Date())): \(messageCount) messages from the broker"]
        for meter in latest.keys.sorted() {
            let values = latest[meter]!
            lines.append("\(meter) [\(availability[meter] ?? "?")] \(values.count) keys")
            for key in Self.shown {
                if let value = values[key] {
                    lines.append("    \(key.padding(toLength: 30, withPad: " ", startingAt: 0)) \(value)")
                }
            }
        }
        Console.write(lines.joined(separator: "\n"))
    }
}
