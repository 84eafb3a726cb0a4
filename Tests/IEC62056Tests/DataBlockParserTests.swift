import IEC62056
import Testing

@Suite struct DataBlockParserTests {
    func parse(_ text: String) throws -> [DataSet] { try DataBlockParser.parse(Array(text.utf8)) }

    @Test func parsesValuesWithAndWithoutUnit() throws {
        #expect(
            try parse("1.8.0(001234.567*kWh)\r\n0.9.1(123456)\r\nF.F(00)\r\n") == [
                DataSet(address: "1.8.0", value: "001234.567", unit: "kWh"), DataSet(address: "0.9.1", value: "123456"),
                DataSet(address: "F.F", value: "00"),
            ]
        )
    }

    @Test func parsesSeveralValuesPerLineAndContinuationLines() throws {
        let sets = try parse("1.6.0(01.234*kW)(2301011200)\r\nP.01(2301011200)(00)\r\n(1.5*kWh)\r\n(1.7*kWh)\r\n")
        #expect(
            sets == [
                DataSet(
                    address: "1.6.0",
                    values: [DataValue(value: "01.234", unit: "kW"), DataValue(value: "2301011200")]
                ),
                DataSet(
                    address: "P.01",
                    values: [
                        DataValue(value: "2301011200"), DataValue(value: "00"), DataValue(value: "1.5", unit: "kWh"),
                        DataValue(value: "1.7", unit: "kWh"),
                    ]
                ),
            ]
        )
    }

    @Test func parsesSeveralDataSetsOnOneLineAndFullAddresses() throws {
        #expect(
            try parse("1-0:1.8.1*255(1.0*kWh)1-0:1.8.2*255(2.0*kWh)\r\n") == [
                DataSet(address: "1-0:1.8.1*255", value: "1.0", unit: "kWh"),
                DataSet(address: "1-0:1.8.2*255", value: "2.0", unit: "kWh"),
            ]
        )
    }

    @Test func keepsEmptyValuesAndSkipsEmptyLines() throws {
        #expect(try parse("\r\nC.1.0()\r\n\r\n") == [DataSet(address: "C.1.0", values: [DataValue(value: "")])])
    }

    @Test(arguments: ["(1.0*kWh)", "1.8.0(1.0*kWh", "1.8.0)1.0(", "1.8.0(1(2))", "1.8.0(1)junk"])
    func rejectsMalformedLines(_ line: String) {
        #expect(throws: IEC62056Error.self) { _ = try parse(line + "\r\n") }
    }
}
