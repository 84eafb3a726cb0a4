import Bridge
import Foundation
import Logging
import SerialIO
import Simulator
import TestSupport
import Testing

/// What an operator reads in the log of a long run: each refused register and each refused connection once, not
/// every poll; and a shutdown in the middle of transactions without CancellationError lines.
@Suite(.serialized) struct BridgeLoggingTests {
    /// A loopback port nothing listens on: connections to it are refused.
    static func refusingPort() throws -> Int {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        return port
    }

    @Test func refusalsAreLoggedOnceAndShutdownLogsNoCancellation() async throws {
        try await BridgeHarness.run { harness in
            // The simulator refuses the PRO1-only rows (voltage, current, error_code) with exception 02.
            let simulator = try harness.simulator(
                SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 3))
            )
            // Units 9 are on no simulated bus: they never answer. Each silent meter shares its bus (its own
            // connection) with a good meter that waits for the bus while the silent one's request is out.
            let rtu = try harness.simulator(SimulatorConfiguration(endpoint: .pseudoTerminal))
            let pty = BusLink.modbusRTU(device: rtu.service.endpoint, settings: LineSettings(baudRate: 9600))
            let refused = try Self.refusingPort()
            let mbusRefused = try Self.refusingPort()
            let fast = Duration.milliseconds(200)
            let slow = Duration.seconds(2)
            let configuration = harness.configuration(buses: [
                testBus("good", link: simulator.tcpLink, meters: [("a", 1), ("b", 2)], interval: fast),
                testBus(
                    "silent",
                    link: simulator.tcpLink,
                    meters: [("c", 3), ("silent", 9)],
                    interval: fast,
                    timeout: slow
                ),
                testBus("rtu", link: pty, meters: [("r", 1), ("rtu-silent", 9)], interval: fast, timeout: slow),
                testBus("gone", link: .modbusTCP(host: "127.0.0.1", port: refused), meters: [("x", 1), ("y", 2)]),
                BusConfiguration(
                    name: "mbus-gone",
                    link: .mbusTCP(host: "127.0.0.1", port: mbusRefused),
                    meters: [
                        MeterConfiguration(name: "z", address: 1, intervals: MeterConfiguration.defaultIntervals(fast))
                    ]
                ),
            ])
            let log = LogCapture()
            harness.startBridge(configuration, logger: log.logger(level: .info))
            // Many polls of every meter: the silent ones time out every 2 s, the refused ones fail at once.
            await eventually("the refused meters offline and the good ones polled often") {
                let availability = ["a", "b", "c", "r", "x", "y", "silent", "rtu-silent"].compactMap {
                    harness.log.last(harness.topic($0, "availability"))
                }
                return availability == [
                    "online", "online", "online", "online", "offline", "offline", "offline", "offline",
                ]
                    && harness.log.on(harness.topic("a", "frequency")).count >= 10
            }
            // Shut down while the silent meters' requests wait for their replies.
            await harness.stopBridge()

            let lines = log.entries.map { "\($0.level) \($0.metadata["meter"] ?? "-") \($0.message)" }
            for meter in ["a", "b"] {
                for key in ["voltage", "current", "error_code"] {
                    let refusals = log.entries.filter {
                        $0.metadata["meter"] == meter && $0.message.contains("refuse")
                            && ($0.message.contains(" \(key) ") || $0.message.contains(" \(key):"))
                    }
                    #expect(refusals.count == 1, "\(meter) \(key): \(refusals.map(\.message))")
                }
            }
            let connectionRefused = lines.filter { $0.contains("refused") && $0.contains("\(refused)") }
            // Once for the bus, once for each of its two meters: however many polls failed.
            #expect(connectionRefused.count <= 3, "\(connectionRefused.joined(separator: "\n"))")
            let mbusLines = lines.filter { $0.contains("\(mbusRefused)") || $0.contains(" z ") }
            #expect(mbusLines.count <= 3, "\(mbusLines.joined(separator: "\n"))")
            for meter in ["silent", "rtu-silent"] {
                let silent = lines.filter { $0.contains(" \(meter) ") }
                #expect(silent.count <= 2, "\(silent.joined(separator: "\n"))")
            }
            let cancellations = lines.filter { $0.contains("Cancellation") || $0.contains("cancelled") }
            #expect(cancellations.isEmpty, "\(cancellations.joined(separator: "\n"))")
        }
    }
}
