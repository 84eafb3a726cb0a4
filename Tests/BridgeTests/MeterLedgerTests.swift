import Foundation
import PRO380
import Testing

@testable import Bridge

/// The ledger shares one `units` dictionary between meters that publish the same keys: each meter's record stays its
/// own: a key one meter gains is not another's.
@Suite struct MeterLedgerTests {
    let time = Date(timeIntervalSince1970: 1_764_000_000)

    func readings(_ keys: [(String, String?)]) -> [Reading] {
        keys.map { Reading(key: $0.0, value: .integer(1), unit: $0.1, time: time) }
    }

    @Test func metersWithTheSameKeysKeepTheirOwnRecords() {
        let ledger = MeterLedger()
        let common = readings([("voltage_l1", "V"), ("frequency", "Hz"), ("tariff", nil)])
        for meter in ["m1", "m2", "m3"] { ledger.record(meter: meter, readings: common) }
        let expected: [String: String?] = ["voltage_l1": "V", "frequency": "Hz", "tariff": String?.none]
        #expect(["m1", "m2", "m3"].allSatisfy { ledger.entry($0).units == expected })
        // m2 gains a key: m1 and m3 (which shared its dictionary) do not.
        ledger.record(meter: "m2", readings: readings([("current_l1", "A")]))
        var gained = expected
        gained["current_l1"] = "A"
        #expect(ledger.entry("m2").units == gained)
        #expect(ledger.entry("m1").units == expected && ledger.entry("m3").units == expected)
        // A later meter with the common keys gets them, whichever dictionaries were recorded before.
        ledger.record(meter: "m4", readings: common)
        #expect(ledger.entry("m4").units == expected)
        #expect(ledger.snapshot.count == 4)
    }
}
