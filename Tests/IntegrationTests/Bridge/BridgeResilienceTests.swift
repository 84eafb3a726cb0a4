import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import ServiceLifecycle
import ServiceLifecycleTestKit
import Simulator
import TestSupport
import Testing

/// Issue 2's field cases end to end: silent meters, corrupt frames, falling counters, broker outages, shutdown.
@Suite(.serialized)
struct BridgeResilienceTests {
    /// A meter that stops answering goes offline after 3 failed polls and back online at the next good one, and
    /// never slows a meter on another bus: that one keeps publishing at its own cadence meanwhile.
    @Test func silentMeterGoesOfflineWithoutDelayingAnotherBus() async throws {
        try await BridgeHarness.run { harness in
            let first = try harness.simulator(SimulatorConfiguration(meters: SimulatorConfiguration.meters(count: 2)))
            let second = try harness.simulator(SimulatorConfiguration())
            harness.startBridge(
                harness.configuration(buses: [
                    testBus(
                        "left",
                        link: first.tcpLink,
                        meters: [("a", 1), ("c", 2)],
                        interval: .milliseconds(200),
                        timeout: .milliseconds(700)
                    ),
                    testBus("right", link: second.tcpLink, meters: [("b", 1)], interval: .milliseconds(200)),
                ])
            )
            await eventually("both online") {
                harness.log.last(harness.topic("a", "availability")) == "online"
                    && harness.log.last(harness.topic("b", "availability")) == "online"
            }
            first.service.bus.faults.silentUnits = [1]
            let readingsBefore = harness.log.on(harness.topic("b", "voltage_l1")).count
            let sameBusBefore = harness.log.on(harness.topic("c", "voltage_l1")).count
            let silentFrom = harness.log.on(harness.topic("a", "voltage_l1")).count
            await eventually("a offline", timeout: .seconds(12)) {
                harness.log.last(harness.topic("a", "availability")) == "offline"
            }
            let readingsDuring = harness.log.on(harness.topic("b", "voltage_l1")).count - readingsBefore
            // At least three 700 ms timeouts passed on the left bus; the right bus, polled every 200 ms, kept going.
            #expect(readingsDuring >= 6, "b published \(readingsDuring) readings while a went offline")
            #expect(harness.log.last(harness.topic("b", "availability")) == "online")
            // The meter sharing the silent one's bus waits at most one timeout per poll of the silent one: it keeps
            // being read meanwhile (a goes offline after three single timeouts, so c gets at least one turn).
            #expect(harness.log.on(harness.topic("c", "voltage_l1")).count - sameBusBefore >= 1)
            #expect(harness.log.last(harness.topic("c", "availability")) == "online")
            #expect(harness.log.on(harness.topic("a", "voltage_l1")).count <= silentFrom + 1)

            first.service.bus.faults.silentUnits = []
            await eventually("a online again") { harness.log.last(harness.topic("a", "availability")) == "online" }
            // Availability is state: discovery may assert the same value again (after connect, after a Home
            // Assistant birth), so repeats are folded; the changes are what matter.
            let changes = harness.log.payloads(harness.topic("a", "availability")).reduce(into: [String]()) {
                if $0.last != $1 { $0.append($1) }
            }
            #expect(changes == ["online", "offline", "online"])
        }
    }

    /// A reply with a bad CRC never becomes a value (the meter goes offline instead); a stray byte before each
    /// reply is skipped and every value is still right.
    @Test func corruptFramesNeverBecomeValues() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(
                SimulatorConfiguration(endpoint: .pseudoTerminal, faults: ModbusFaults(corruptCRC: true))
            )
            let link = BusLink.modbusRTU(
                device: simulator.service.endpoint,
                settings: LineSettings(baudRate: 9600, parity: .none)
            )
            var bus = testBus("basement", link: link, meters: [("main", 1)], timeout: .milliseconds(300))
            bus.meters[0].offlineAfter = 3
            harness.startBridge(harness.configuration(buses: [bus], diagnosticsInterval: .milliseconds(300)))
            await eventually("offline") { harness.log.last(harness.topic("main", "availability")) == "offline" }
            let readings = harness.log.all.filter { entry in
                pro380ModbusKeys.contains { entry.topic == harness.topic("main", $0) }
            }
            #expect(readings.isEmpty, "published from corrupt frames: \(readings.map(\.payload))")
            await eventually("CRC errors counted") {
                harness.log.last("pro380/bridge/\(harness.clientID)/diagnostics")?.contains("\"checksum_errors\": 0,")
                    == false
            }

            simulator.service.bus.faults = ModbusFaults(strayLeadingByte: true)
            await expectEveryKey(harness, meter: "main", model: try simulator.meter(), at: simulator.clock.now)
            await eventually("online") { harness.log.last(harness.topic("main", "availability")) == "online" }
        }
    }

    /// An energy counter that reads lower than its last published value is held back (Home Assistant would count
    /// the whole counter again); the other values keep flowing. The fall is logged once for the meter (not once per
    /// key and poll), and so is the end of it, once the counters passed their last published values again.
    @Test func fallingEnergyCounterIsHeldBack() async throws {
        try await BridgeHarness.run { harness in
            let clock = SimulatedClock()
            let first = try RunningSimulator(SimulatorConfiguration(), clock: clock)
            harness.onFinish { await first.stop() }
            let port = first.service.port!
            clock.advance(by: 36_000)
            let capture = LogCapture()
            harness.startBridge(
                harness.configuration(buses: [testBus("gateway", link: first.tcpLink, meters: [("main", 1)])]),
                logger: capture.logger(label: "bridge", level: .info)
            )
            let topic = harness.topic("main", "forward_active_energy_total")
            await eventually("energy published") { harness.log.last(topic) != nil }
            let high = try #require(
                harness.log.last(topic).flatMap(PublishedReading.init).flatMap { Double($0.valueText) }
            )
            #expect(high > 0)
            await first.stop()

            // A meter with fresh counters behind the same address and port (a swapped meter, or a corrupt read), with
            // the first one's load profile (the same seed): counting on, it passes every last published value.
            var swapped = SimulatorConfiguration.meters(count: 1)
            swapped[0].serialNumber = "13070999"
            let second = try harness.simulator(
                SimulatorConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port), meters: swapped)
            )
            let serialTopic = harness.topic("main", "serial_number")
            let voltageTopic = harness.topic("main", "voltage_l1")
            await eventually("the second meter's identity") {
                harness.log.last(serialTopic).flatMap(PublishedReading.init)?.valueText == "\"13070999\""
            }
            let swappedAt = harness.log.on(voltageTopic).count
            await eventually("readings of the second meter") { harness.log.on(voltageTopic).count >= swappedAt + 3 }
            let published = harness.log.payloads(topic).compactMap {
                PublishedReading($0).flatMap { Double($0.valueText) }
            }
            #expect(published.allSatisfy { $0 >= high }, "a fallen counter was published: \(published)")
            let falls = capture.entries.filter { $0.message.hasPrefix("energy counter fell") }
            #expect(falls.count == 1, "once per meter and episode: \(falls.map(\.message))")
            #expect(falls.first?.level == .warning)
            #expect(falls.first?.metadata["meter"] == "main")
            #expect(falls.first.flatMap { Int($0.metadata["counters_fell"] ?? "") }.map { $0 > 1 } == true)
            #expect(falls.first?.metadata["key"] != nil && falls.first?.metadata["last"] != nil)

            // The swapped meter counts on past every last published value: its counters are published again.
            second.clock.advance(by: 72_000)
            await eventually("the counters published again", timeout: .seconds(20)) {
                capture.entries.contains { $0.message == "energy counters published again" }
            }
            let ended = capture.entries.filter { $0.message == "energy counters published again" }
            #expect(ended.count == 1 && ended.first?.level == .notice, "\(ended)")
            #expect(ended.first.flatMap { Int($0.metadata["held_back"] ?? "") }.map { $0 > 1 } == true)
            await eventually("a counter above the old one published") {
                harness.log.last(topic).flatMap(PublishedReading.init).flatMap { Double($0.valueText) }
                    .map { $0 > high } == true
            }
        }
    }

    /// Store and forward: while the broker is down the bridge keeps polling; after it is back, the queued readings
    /// arrive with their original timestamps (earlier than the restart).
    @Test func queuedReadingsKeepTheirTimestampsAcrossABrokerOutage() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration())
            harness.startBridge(
                harness.configuration(buses: [testBus("gateway", link: simulator.tcpLink, meters: [("main", 1)])])
            )
            let topic = harness.topic("main", "voltage_l1")
            await eventually("first readings") { harness.log.last(topic) != nil }
            await harness.broker.stop()
            let stopped = Date()
            try await Task.sleep(for: .seconds(1))
            try await harness.broker.restart()
            let restarted = Date()
            let after = try await MessageLog(port: harness.broker.port, filters: [topic])
            await eventually("queued readings", timeout: .seconds(12)) {
                after.on(topic).contains {
                    PublishedReading($0.payload).map { $0.time > stopped && $0.time < restarted } ?? false
                }
            }
            await after.shutdown()
        }
    }

    /// Graceful shutdown through a ServiceGroup: meters and the bridge are published offline, retained.
    @Test func gracefulShutdownPublishesOffline() async throws {
        try await BridgeHarness.run { harness in
            let simulator = try harness.simulator(SimulatorConfiguration())
            var logger = Logger(label: "bridge")
            logger.logLevel = .warning
            let service = BridgeService(
                configuration: harness.configuration(buses: [
                    testBus("gateway", link: simulator.tcpLink, meters: [("main", 1)])
                ]),
                logger: logger
            )
            let state = "pro380/bridge/\(harness.clientID)/state"
            try await testGracefulShutdown { trigger in
                let group = ServiceGroup(services: [service], logger: logger)
                let task = Task { try await group.run() }
                await eventually("online") {
                    harness.log.last(harness.topic("main", "availability")) == "online"
                        && harness.log.last(state) == "online"
                }
                trigger.triggerGracefulShutdown()
                try await task.value
            }
            await eventually("offline published") {
                harness.log.last(harness.topic("main", "availability")) == "offline"
                    && harness.log.last(state) == "offline"
            }
            let late = try await MessageLog(
                port: harness.broker.port,
                filters: [state, harness.topic("main", "availability")]
            )
            await eventually("retained offline") {
                late.last(state) == "offline" && late.last(harness.topic("main", "availability")) == "offline"
            }
            await late.shutdown()
        }
    }
}
