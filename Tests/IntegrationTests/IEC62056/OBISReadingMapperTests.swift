import Bridge
import Foundation
import IEC62056
import PRO380
import PRO380Protocols
import Testing

/// `OBISReadingMapper`: data sets onto vocabulary keys and units (no I/O).
@Suite struct OBISReadingMapperTests {
    let time = Date(timeIntervalSince1970: 1_800_000_000)
    let mapper = OBISReadingMapper()

    func map(_ sets: [DataSet]) -> OBISReadingMapper.Result { mapper.map(sets, time: time) }

    func single(_ set: DataSet) -> Reading? { map([set]).readings.first }

    @Test(arguments: ["1.8.0", "1-0:1.8.0*255", "1-0:1.8.0", "01.08.00"])
    func bothAddressFormsMapToTheSameKey(address: String) {
        let reading = single(DataSet(address: address, value: "016048.14", unit: "kWh"))
        #expect(
            reading
                == Reading(
                    key: "forward_active_energy_total",
                    value: .decimal(Decimal(string: "16048.14")!),
                    unit: "kWh",
                    time: time
                )
        )
    }

    @Test func unitsAreConvertedExactly() {
        let sets = [
            DataSet(address: "16.7.0", value: "-1.0125", unit: "kW"),
            DataSet(address: "2.8.1", value: "1234567", unit: "Wh"),
            DataSet(address: "32.7.0", value: "230.1", unit: "V"),
            DataSet(address: "13.7.0", value: "0.98"),
        ]
        let readings = map(sets).readings
        #expect(
            readings.map(\.key) == [
                "active_power_total", "reverse_active_energy_t1", "voltage_l1", "power_factor_total",
            ]
        )
        #expect(
            readings.map(\.value) == [
                .decimal(Decimal(string: "-1012.5")!), .decimal(Decimal(string: "1234.567")!),
                .decimal(Decimal(string: "230.1")!), .decimal(Decimal(string: "0.98")!),
            ]
        )
        #expect(readings.map(\.unit) == ["W", "kWh", "V", nil])
    }

    @Test func identityAndIntegerKeysTakeTheFormOtherProtocolsPublish() {
        let readings = map([DataSet(address: "C.1.0", value: "01307004"), DataSet(address: "F.F", value: "00")])
            .readings
        #expect(readings.map(\.value) == [.text("01307004"), .integer(0)])
        #expect(readings.map(\.key) == ["serial_number", "error_code"])
    }

    @Test func linesWithNoKeyOrAForeignUnitAreKeptUnderTheirOBISCode() {
        let sets = [
            DataSet(address: "96.1.3", value: "00123"), DataSet(address: "0.9.1", value: "12:34:56"),
            DataSet(address: "1-1:1.8.0", value: "5", unit: "kWh"),
            DataSet(address: "1.8.0*12", value: "7", unit: "kWh"),
            DataSet(address: "32.7.0", value: "230", unit: "A"), DataSet(address: "ABC", value: "x"),
        ]
        let readings = map(sets).readings
        #expect(
            readings.map(\.key) == [
                "obis_96_1_3", "obis_0_9_1", "obis_1_1_1_8_0", "obis_1_8_0_12", "obis_32_7_0", "obis_abc",
            ]
        )
        #expect(
            readings.map(\.value) == [
                .text("00123"), .text("12:34:56"), .decimal(5), .decimal(7), .decimal(230), .text("x"),
            ]
        )
        #expect(readings.map(\.unit) == [nil, nil, "kWh", "kWh", "A", nil])
    }

    @Test func theFirstLineForAKeyWinsAndALaterOneIsKeptUnderItsCode() {
        let readings = map([
            DataSet(address: "0.0.0", value: "42"), DataSet(address: "C.1.0", value: "13070042"),
        ]).readings
        #expect(readings.map(\.key) == ["serial_number", "obis_c_1_0"])
        #expect(readings.map(\.value) == [.text("42"), .decimal(13_070_042)])
    }

    @Test func implausibleValuesAreRefused() {
        let result = map([
            DataSet(address: "32.7.0", value: "23010.5", unit: "V"),
            DataSet(address: "1.8.0", value: "-1", unit: "kWh"),
            DataSet(address: "14.7.0", value: "50.01", unit: "Hz"),
        ])
        #expect(result.readings.map(\.key) == ["frequency"])
        #expect(result.rejected.map(\.keys) == [["voltage_l1"], ["forward_active_energy_total"]])
    }
}
