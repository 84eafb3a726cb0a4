import Foundation
import IEC62056
import Testing

@Suite struct OBISTests {
    @Test(arguments: [
        ("1.8.0", "1.8.0", "obis_1_8_0"), ("1-0:1.8.0*255", "1.8.0", "obis_1_8_0"),
        ("1-0:1.8.0", "1.8.0", "obis_1_8_0"),
        ("96.1.3", "96.1.3", "obis_96_1_3"), ("C.1.0", "C.1.0", "obis_c_1_0"), ("0-0:C.1.0*255", "C.1.0", "obis_c_1_0"),
        ("F.F", "F.F", "obis_f_f"), ("0.9.1", "0.9.1", "obis_0_9_1"), ("32.7", "32.7", "obis_32_7"),
        ("1-1:1.8.0", "1-1:1.8.0", "obis_1_1_1_8_0"), ("1.8.0*12", "1.8.0*12", "obis_1_8_0_12"),
        ("01.08.00", "1.8.0", "obis_1_8_0"), ("1-0:32.7.0*255", "32.7.0", "obis_32_7_0"),
    ])
    func normalizesAddresses(address: String, shortKey: String, fallbackKey: String) throws {
        let code = try #require(OBISCode(address))
        #expect(code.shortKey == shortKey)
        #expect(code.fallbackKey == fallbackKey)
        #expect(code.original == address)
    }

    @Test func splitsTheValueGroups() throws {
        let code = try #require(OBISCode("1-0:1.8.2*255"))
        #expect(code.medium == 1 && code.channel == 0 && code.groups == ["1", "8", "2"] && code.billingPeriod == 255)
    }

    @Test(arguments: ["", "1", "1.8.0.1", "1-0:", "x-0:1.8.0", "1.8.0*", "256.8.0", "AB.1.0", "P.01.x1"])
    func refusesWhatIsNotAnOBISCode(_ address: String) {
        #expect(OBISCode(address) == nil)
    }

    @Test func fallsBackForAnyAddress() {
        #expect(OBISCode.fallbackKey(forAddress: "P.01x") == "obis_p_01x")
        #expect(OBISCode.fallbackKey(forAddress: "1-0:99.97.0") == "obis_1_0_99_97_0")
    }

    static func decimal(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    @Test(
        arguments: [
            ("001234.567", "kWh", "1234.567", "kWh"), ("1.0125", "kW", "1012.5", "W"),
            ("1234567", "Wh", "1234.567", "kWh"),
            ("12.5", "kvarh", "12.5", "kvarh"), ("0.75", "kvar", "750", "var"), ("231.2", "V", "231.2", "V"),
            ("-5.1", "A", "-5.1", "A"), ("49.98", "Hz", "49.98", "Hz"), ("2.5", "KWH", "2.5", "kWh"),
            ("+3", "W", "3", "W"), ("00", nil, "0", nil),
        ] as [(String, String?, String, String?)]
    )
    func readsNumbersExactlyAndConvertsUnits(value: String, unit: String?, expected: String, expectedUnit: String?) {
        let normalized = NormalizedValue(DataValue(value: value, unit: unit))
        #expect(normalized == NormalizedValue(value: .number(Self.decimal(expected)), unit: expectedUnit))
    }

    @Test(arguments: ["MT174", "23-01-01 12:00", "1.2.3", "", ".5", "5.", "1e3", "0x10"])
    func keepsTextsAsText(_ value: String) {
        #expect(
            NormalizedValue(DataValue(value: value, unit: "kW")) == NormalizedValue(value: .text(value), unit: "kW")
        )
    }

    @Test func dataSetNormalizesItsFirstValue() {
        let set = DataSet(
            address: "1.6.0",
            values: [DataValue(value: "1.5", unit: "kW"), DataValue(value: "2301011200")]
        )
        #expect(set.normalizedValue == NormalizedValue(value: .number(1500), unit: "W"))
        #expect(set.obisCode?.shortKey == "1.6.0")
    }
}
