package import Modbus
package import PRO380

extension MeterCommand {
    /// The function 06 request (one register) or 16 request (the two registers of a float) that writes this
    /// command (manual A3.2 "Write"), its registers encoded by the register table's `encodeModbus`: the tariff as
    /// 1/2 or the "not saved" 11/12, a parity by its code, BCD for the LCD cycle time, a float for the S0 rate.
    /// - Throws: `CommandError.notSupported` when the key has no Modbus write, `.unsafe` when the value does not
    ///   fit the register.
    package func modbusRequest() throws -> ModbusRequest {
        guard let mapping = definition.modbus, definition.write?.modbus != nil else {
            throw CommandError.notSupported(key: key, protocolName: "Modbus")
        }
        var volatileTariff = false
        if case .tariff(_, let persist) = value { volatileTariff = !persist }
        guard let registers = definition.encodeModbus(value.published, volatileTariff: volatileTariff) else {
            throw CommandError.unsafe("\(value) does not fit the \(key) register")
        }
        if registers.count == 1 { return .writeSingleRegister(address: mapping.address, value: registers[0]) }
        return .writeMultipleRegisters(address: mapping.address, values: registers)
    }
}
