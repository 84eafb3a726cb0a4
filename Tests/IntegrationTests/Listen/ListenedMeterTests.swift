import Foundation
import Modbus
import PRO380
import PRO380Protocols
import Testing

@testable import Bridge

/// The per-meter rules of a listen-only bus, without I/O: heard reads decode through the register table like a
/// poll's replies, writes are counted and never become values, availability follows what was heard.
@Suite struct ListenedMeterTests {
    let decoding = ModbusBlockDecoding()
    let time = Date(timeIntervalSince1970: 1_790_000_000)

    func read(_ address: UInt16, _ values: [UInt16]) -> RTUObservation {
        .exchange(
            unit: 1,
            request: .readHoldingRegisters(address: address, count: values.count),
            response: .readHoldingRegisters(values)
        )
    }

    @Test func heardReadsDecodeLikePolledOnes() throws {
        var meter = ListenedMeter(unit: 1)
        // 0x5002..0x5005: L1 and L2 voltage, 230.3 V and 231.25 V; 0x5007 alone cuts L3 voltage in half.
        let values: [UInt16] = [0x4366, 0x4CCD, 0x4367, 0x4000]
        #expect(meter.observe(read(0x5002, values), at: time, decoding: decoding).isEmpty)
        #expect(meter.observe(read(0x5007, [0x4367]), at: time, decoding: decoding).isEmpty)
        let outcome = meter.collect(lineProblem: nil)
        #expect(outcome.meterAnswered)
        let polled = ModbusBlockDecoding.pro380.decode(
            ModbusBlockDecoding.pro380.block(address: 0x5002, count: 4),
            values,
            at: time
        ).compactMap { try? $0.result.get() }
        #expect(Set(outcome.readings) == Set(polled))
        #expect(outcome.readings.map(\.key).sorted() == ["voltage_l1", "voltage_l2"])
        #expect(meter.keysSeen == ["voltage_l1", "voltage_l2"])
        #expect(meter.registerMap == .current)
    }

    @Test func implausibleValuesAreRefusedAndCounted() {
        var meter = ListenedMeter(unit: 1)
        // 0x7F80 0x0000 is +infinity: no value.
        let events = meter.observe(read(0x5002, [0x7F80, 0x0000]), at: time, decoding: decoding)
        #expect(events.count == 1)
        #expect(meter.diagnostics.rejectedValues == 1)
        let outcome = meter.collect(lineProblem: nil)
        #expect(outcome.readings.isEmpty && outcome.meterAnswered)
    }

    @Test func writesAreCountedNeverPublished() {
        var meter = ListenedMeter(unit: 1)
        let write = RTUObservation.exchange(
            unit: 1,
            request: .writeSingleRegister(address: 0x6048, value: 12),
            response: .writeSingleRegister(address: 0x6048, value: 12)
        )
        #expect(meter.observe(write, at: time, decoding: decoding).isEmpty)
        #expect(meter.writesSeen == 1)
        let outcome = meter.collect(lineProblem: nil)
        #expect(outcome.readings.isEmpty)
        #expect(outcome.meterAnswered)
    }

    @Test func silenceOfTheUnitIsAFailedPollWithAReason() {
        var meter = ListenedMeter(unit: 4)
        let unanswered = RTUObservation.unanswered(unit: 4, request: .readHoldingRegisters(address: 0x5002, count: 2))
        _ = meter.observe(unanswered, at: time, decoding: decoding)
        let outcome = meter.collect(lineProblem: nil)
        #expect(!outcome.meterAnswered)
        #expect(outcome.failures.first?.reason.contains("no reply from unit 4") == true)
        #expect(meter.diagnostics.timeouts == 1 && meter.diagnostics.failedPolls == 1)
        #expect(meter.collect(lineProblem: "cannot open /dev/x").failures.first?.reason == "cannot open /dev/x")
    }

    @Test func oldRegisterMapIsRecognisedFromTheMastersRefusals() {
        var meter = ListenedMeter(unit: 1)
        let refused = { (address: UInt16) in
            RTUObservation.exchange(
                unit: 1,
                request: .readHoldingRegisters(address: address, count: 2),
                response: .exception(function: .readHoldingRegisters, code: .illegalDataAddress)
            )
        }
        #expect(meter.observe(refused(0x4000), at: time, decoding: decoding).isEmpty)
        #expect(meter.observe(refused(0x6000), at: time, decoding: decoding) == [.legacyRegisterMap])
        #expect(meter.registerMap == .legacyV114)
        #expect(meter.observe(refused(0x6000), at: time, decoding: decoding).isEmpty)
        #expect(meter.collect(lineProblem: nil).readings.isEmpty)
    }
}
