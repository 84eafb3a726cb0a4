import Bridge
import Foundation
import Logging
import Modbus
import PRO380
import SerialIO
import Simulator
import TestSupport
import Testing

/// Issue 12 end to end: a pymodbus master polls the simulated meter on a shared line (`SharedSerialLine`), the
/// bridge listens on a third port with `modbus_rtu_listen`. It publishes every value the master reads, identical
/// to what a direct read gives, and transmits nothing.
@Suite(.serialized, .enabled(if: TestEnvironment.hasPythonPeers, "needs scripts/setup.sh --with-test-peers"))
struct ListenOnlyBusTests {
    /// A wallbox's poll: the three areas around the PRO1-only rows (which the simulated PRO380 refuses), a PRO1-only
    /// read and a read that starts inside a float (both refused with exception 02), a tariff write (the value in
    /// force, so the meter does not change), and a unit nobody answers.
    static let operations = """
        [{"unit": 1, "read": [16384, 21]}, {"unit": 1, "read": [16406, 10]},
         {"unit": 1, "read": [20482, 8]}, {"unit": 1, "read": [20492, 38]}, {"unit": 1, "read": [24576, 75]},
         {"unit": 1, "read": [20480, 2]}, {"unit": 1, "read": [20483, 2]}, {"unit": 1, "write": [24648, 1]},
         {"unit": 9, "read": [20482, 2]}]
        """

    @Test func bridgeHearsEveryValueTheMasterReadsAndNeverTransmits() async throws {
        try await BridgeHarness.run(extraFilters: ["homeassistant/#"]) { harness in
            let rig = try SharedLineRig(harness, interval: .milliseconds(300))
            let master = try await PythonPeer(
                script: "pymodbus_master_poll.py",
                arguments: [rig.masterPath, "0.3", "6", Self.operations]
            )
            harness.onFinish { await master.stop() }
            await eventually("the master's six cycles", timeout: .seconds(60)) { master.output.contains("DONE") }
            let answered = master.output.compactMap(MasterLine.init).filter { $0.registers != nil }
            #expect(answered.count >= 6 * 5, "\(master.output.suffix(12))")
            // The rows the master's answered reads hold whole.
            let heardKeys = Set(
                answered.flatMap { read in
                    RegisterTable.pro380.modbusReadable.filter { row in
                        let registers = row.modbus!.registers
                        return registers.lowerBound >= Int(read.address)
                            && registers.upperBound <= Int(read.address) + read.count
                    }.map(\.key)
                }
            )
            #expect(heardKeys == Set(pro380ModbusKeys))
            await eventually("every key the master read") {
                heardKeys.allSatisfy { harness.log.last(harness.topic("heard", $0)) != nil }
            }

            // The reference: our own driver reads the meter directly, through the master's port.
            let direct = try rig.ownMaster(timeout: .seconds(1))
            var referenceValues: [String: Reading] = [:]
            for _ in 0..<3 where referenceValues.count < heardKeys.count {
                for reading in await direct.meters[0].driver.poll(groups: Set(PollGroup.allCases)).readings {
                    referenceValues[reading.key] = reading
                }
            }
            await direct.close()
            #expect(Set(referenceValues.keys) == heardKeys)
            for key in heardKeys.sorted() {
                let published = try #require(
                    harness.log.last(harness.topic("heard", key)).flatMap(PublishedReading.init)
                )
                #expect(published.valueText == referenceValues[key]?.value.jsonFragment, "\(key)")
                #expect(published.unit == referenceValues[key]?.unit, "\(key)")
            }

            #expect(rig.onlyTheOthersTransmitted, "the listening bridge transmitted, or the relay recorded nothing")
            #expect(harness.log.last(harness.topic("heard", "availability")) == "online")

            await eventually("bus diagnostics") {
                harness.log.last("\(harness.base)/bridge/\(harness.clientID)/diagnostics")?.contains(
                    "\"writes_seen\": 6"
                ) == true
            }
            let diagnostics = try #require(harness.log.last("\(harness.base)/bridge/\(harness.clientID)/diagnostics"))
            #expect(diagnostics.contains("\"mode\": \"listen_only\""), "\(diagnostics)")
            #expect(diagnostics.contains("\"checksum_errors\": 0"), "\(diagnostics)")
            #expect(diagnostics.contains("\"transmitted_bytes\": 0"), "\(diagnostics)")
            print("listen-only bus: \(answered.count) answered reads by the master; bridge diagnostics: \(diagnostics)")
            let meterDiagnostics = try #require(harness.log.last(harness.topic("heard", "diagnostics")))
            #expect(meterDiagnostics.contains("\"keys_seen\": [\"serial_number\""), "\(meterDiagnostics)")
            #expect(meterDiagnostics.contains("\"register_map\": \"current\""), "\(meterDiagnostics)")

            await eventually("discovery of the heard meter") {
                harness.log.all.contains {
                    $0.topic.hasPrefix("homeassistant/") && $0.payload.contains("13070042_voltage_l1")
                }
            }
            let refusal = try await harness.command("heard", "tariff", "2")
            #expect(!refusal.ok)
            #expect(refusal.error.contains("listen-only"), "\(refusal.text)")
            #expect(rig.meter.settings.tariff == 1)
            #expect(rig.onlyTheOthersTransmitted)
        }
    }
}

extension ListenOnlyBusTests {
    /// Replies with a bad CRC (the master gets none either) are heard, counted and never published; replies behind a
    /// stray byte are found again. The other master here is our own polling driver.
    @Test func corruptRepliesAreNeverPublishedAndStrayBytesAreSkipped() async throws {
        try await BridgeHarness.run { harness in
            let rig = try SharedLineRig(harness, faults: ModbusFaults(corruptCRC: true), interval: .milliseconds(200))
            let master = try rig.ownMaster(timeout: .milliseconds(300))
            let bridgeDiagnostics = "\(harness.base)/bridge/\(harness.clientID)/diagnostics"
            for _ in 0..<3 {
                let outcome = await master.meters[0].driver.poll(groups: Set(PollGroup.allCases))
                #expect(outcome.readings.isEmpty)
            }
            await eventually("CRC errors counted") {
                harness.log.last(bridgeDiagnostics).map { !$0.contains("\"checksum_errors\": 0,") } ?? false
            }
            let heardTopics = harness.log.all.map(\.topic).filter { $0.hasPrefix("\(harness.base)/heard/") }
            #expect(
                Set(heardTopics).isSubset(of: [
                    harness.topic("heard", "availability"), harness.topic("heard", "diagnostics"),
                ]),
                "\(Set(heardTopics))"
            )

            rig.simulated.faults = ModbusFaults(strayLeadingByte: true)
            var polled: [String: Reading] = [:]
            for _ in 0..<4 {
                for reading in await master.meters[0].driver.poll(groups: Set(PollGroup.allCases)).readings {
                    polled[reading.key] = reading
                }
            }
            await master.close()
            #expect(Set(polled.keys) == Set(pro380ModbusKeys))
            await eventually("every key the master read behind stray bytes") {
                polled.keys.allSatisfy { harness.log.last(harness.topic("heard", $0)) != nil }
            }
            for (key, reading) in polled {
                let published = harness.log.last(harness.topic("heard", key)).flatMap(PublishedReading.init)
                #expect(published?.valueText == reading.value.jsonFragment, "\(key)")
            }
            #expect(rig.onlyTheOthersTransmitted, "the listening bridge transmitted, or the relay recorded nothing")
        }
    }
}

/// One line of `pymodbus_master_poll.py`'s output: a read and the registers it got.
struct MasterLine {
    var address: UInt16
    var count: Int
    var registers: [UInt16]?

    init?(_ line: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let read = object["read"] as? [Int], read.count == 2, object["unit"] as? Int == 1
        else { return nil }
        address = UInt16(read[0])
        count = read[1]
        registers = (object["registers"] as? [Int]).map { $0.map(UInt16.init) }
    }
}
