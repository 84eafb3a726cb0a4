import Foundation
import PRO380
import Testing

@testable import Bridge

/// Two configured meters that read one serial number (one physical meter over Modbus and its optical port) get
/// distinct Home Assistant ids; the first in config order keeps the plain ones.
@Suite struct SharedSerialsTests {
    @Test func theFirstMeterOfASerialKeepsThePlainIds() {
        let shared = SharedSerials(meters: [
            ("main", "13070001"), ("flat", "13070002"), ("main-mbus", "13070001"), ("unknown", nil),
            ("main-optical", "13070001"),
        ])
        #expect(shared.groups == ["13070001": ["main", "main-mbus", "main-optical"]])
        #expect(shared.qualifier(for: "main") == nil)
        #expect(shared.qualifier(for: "main-mbus") == "main-mbus")
        #expect(shared.qualifier(for: "main-optical") == "main-optical")
        #expect(shared.qualifier(for: "flat") == nil)
        let warning = SharedSerials.warning(serial: "13070001", meters: ["main", "main-mbus", "main-optical"])
        #expect(warning.contains("meters main, main-mbus and main-optical read the same serial number 13070001"))
    }

    @Test func qualifiedMeterGetsItsOwnUniqueIdsDeviceAndTopics() throws {
        let plain = DiscoveryFixtures.modbusMeter()
        var second = DiscoveryFixtures.modbusMeter()
        second.name = "main-optical"
        second.qualifier = "main-optical"
        let first = DiscoveryFixtures.parsed(DiscoveryFixtures.messages(plain))
        let other = DiscoveryFixtures.parsed(DiscoveryFixtures.messages(second))
        #expect(Set(first.keys).isDisjoint(with: other.keys), "config topics collide")
        let firstIDs = Set(first.values.compactMap { $0["unique_id"] as? String })
        let otherIDs = Set(other.values.compactMap { $0["unique_id"] as? String })
        #expect(firstIDs.contains("pro380_13070042_voltage_l1"))
        #expect(otherIDs.contains("pro380_13070042_main-optical_voltage_l1"))
        #expect(firstIDs.isDisjoint(with: otherIDs))
        let device = try #require(other.values.first?["device"] as? [String: Any])
        #expect(device["identifiers"] as? [String] == ["pro380_13070042_main-optical"])
    }
}
