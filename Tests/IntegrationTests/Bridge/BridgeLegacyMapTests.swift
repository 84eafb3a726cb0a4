import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import Simulator
import TestSupport
import Testing

/// A meter on firmware from before the current register map (`simulate --legacy-map`): detected at first contact,
/// explained once in the log and in the meter's diagnostics, and never a value on any topic.
@Suite(.serialized)
struct BridgeLegacyMapTests {
    /// End to end: availability and diagnostics explain; no reading and no discovery config appear; the bridge
    /// asks one register pair a poll instead of splitting its plan against the refusals; after a firmware update
    /// every key is read.
    @Test func legacyMeterIsDiagnosedAndPublishesNoValue() async throws {
        try await BridgeHarness.run(extraFilters: ["homeassistant/#"]) { harness in
            var configuration = SimulatorConfiguration()
            configuration.legacyRegisterMap = true
            let simulator = try harness.simulator(configuration)
            let tap = try harness.tap(simulator.service.port!)
            let link = BusLink.modbusTCP(host: "127.0.0.1", port: tap.port)
            harness.startBridge(
                harness.configuration(
                    buses: [testBus("gateway", link: link, meters: [("old", 1)])],
                    diagnosticsInterval: .milliseconds(200)
                )
            )
            let diagnostics = harness.topic("old", "diagnostics")
            await eventually("legacy diagnosis") {
                harness.log.last(diagnostics)?.contains("\"register_map\": \"legacy_v1.14\"") == true
            }
            #expect(harness.log.last(harness.topic("old", "availability")) == "online")
            await eventually("six requests") { tap.requests.count >= 6 }

            let meterTopics = Set(harness.log.all.map(\.topic).filter { $0.hasPrefix("\(harness.base)/old/") })
            #expect(meterTopics == [harness.topic("old", "availability"), diagnostics], "\(meterTopics)")
            let meterDiscovery = harness.log.all.filter {
                $0.topic.hasPrefix("homeassistant/") && !$0.topic.contains(harness.clientID) && !$0.payload.isEmpty
            }
            #expect(meterDiscovery.map(\.topic).isEmpty, "\(meterDiscovery.map(\.topic))")
            #expect(harness.log.all.contains { $0.topic.hasPrefix("homeassistant/") }, "discovery runs for the bridge")
            let asked = Set(tap.requests.map { String(format: "%02X %04X+%d", $0.function, $0.address, $0.count) })
            // The first poll's first block, then the two probes; then one probe a poll.
            #expect(asked == ["03 4000+32", "03 4000+2", "03 6000+2"], "\(asked)")
            let later = tap.requests.dropFirst(3).map { String(format: "%04X+%d", $0.address, $0.count) }
            #expect(Set(later) == ["4000+2"], "\(later)")

            simulator.service.bus.legacyRegisterMap = false
            await expectEveryKey(harness, meter: "old", model: try simulator.meter(), at: simulator.clock.now)
            await eventually("current map in the diagnostics") {
                harness.log.last(diagnostics)?.contains("\"register_map\": \"current\"") == true
            }
        }
    }

    /// The driver on its own: the diagnosis is logged once (an error); a poll's outcome carries it as a failure the
    /// meter's refusal explains, which the poller does not log again; an explicit read answers with it every time;
    /// a write is refused without touching the meter.
    @Test func diagnosisIsLoggedOnceAndExplainedOnEveryRead() async throws {
        var configuration = SimulatorConfiguration()
        configuration.legacyRegisterMap = true
        let simulator = try RunningSimulator(configuration)
        let capture = LogCapture()
        let bus = testBus("gateway", link: simulator.tcpLink, meters: [("old", 1)])
        let session = try BusSession(bus, logger: capture.logger(label: "legacy", level: .info))
        let driver = session.meters[0].driver

        let first = await driver.poll(groups: Set(PollGroup.allCases))
        #expect(first.meterAnswered)
        #expect(first.readings.isEmpty)
        #expect(first.failures.map(\.reason) == [RegisterMap.legacyDiagnosis(unit: 1)])
        var failureLog = FailureLog()
        #expect(failureLog.news(first.failures).isEmpty, "the driver logs the diagnosis; the poller must not repeat it")
        for _ in 0..<3 {
            let later = await driver.poll(groups: Set(PollGroup.allCases))
            #expect(later.meterAnswered && later.readings.isEmpty && failureLog.news(later.failures).isEmpty)
        }
        let read = await driver.read(keys: ["voltage_l1"])
        #expect(read.readings.isEmpty && read.failures.map(\.reason) == [RegisterMap.legacyDiagnosis(unit: 1)])
        let errors = capture.messages(atLeast: .error)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("old V1.14 registers") == true)
        #expect(await driver.diagnostics().registerMap == .legacyV114)
        #expect(await driver.diagnostics().json.text(.spaced).contains("\"register_map\": \"legacy_v1.14\""))

        let tariff = RegisterTable.pro380["tariff"]!
        await #expect(throws: CommandError.self) {
            try await driver.write(MeterCommand(key: "tariff", value: .tariff(2, persist: true), definition: tariff))
        }
        #expect(try simulator.meter().settings.tariff == 1)
        await session.close()
        await simulator.stop()
    }

    /// A meter that answers the current map is marked so at first contact, at no extra request when its first
    /// answer carries registers, at one when its first block is refused for a PRO1-only row.
    @Test func currentMapIsRecognised() async throws {
        let simulator = try RunningSimulator(SimulatorConfiguration())
        let bus = testBus("gateway", link: simulator.tcpLink, meters: [("new", 1)])
        let session = try BusSession(bus, logger: Logger(label: "current"))
        let outcome = await session.meters[0].driver.poll(groups: Set(PollGroup.allCases))
        #expect(!outcome.readings.isEmpty)
        #expect(await session.meters[0].driver.diagnostics().registerMap == .current)
        await session.close()
        await simulator.stop()
    }
}
