import Foundation
import Modbus
import PRO380
import PRO380Protocols
import SerialIO

extension ModbusMeterDriver {
    /// Writes a validated command (function 06, or 16 for the float registers), then reads the register back and
    /// confirms only when it matches (manual A3.2 "Write").
    ///
    /// `modbus_id`: the meter answers at its old address; the driver then reads back at the new one and follows the
    /// meter there (the answer's notice says to update the config file). `baud_rate` and `parity` are refused unless
    /// the meter is alone on a serial bus; then the line is switched to the new setting and the read-back confirms.
    func write(_ command: MeterCommand) async throws -> CommandConfirmation {
        let request = try command.modbusRequest()
        guard let mapping = command.definition.modbus else {
            throw CommandError.notSupported(key: command.key, protocolName: "Modbus")
        }
        if registerMap == .legacyV114 {
            throw CommandError.unsafe("not written: " + RegisterMap.legacyDiagnosis(unit: Int(unit)))
        }
        var newLineSettings: LineSettings?
        if command.key == "baud_rate" || command.key == "parity" {
            guard aloneOnBus else {
                throw CommandError.unsafe(
                    "\(command.key) is refused: other meters share this bus and would be cut off; change it with the meter alone on its bus"
                )
            }
            guard var settings = await line.lineSettings else {
                throw CommandError.unsafe("\(command.key) can only be changed on a serial (modbus_rtu) bus")
            }
            if case .integer(let baud) = command.value { settings.baudRate = baud }
            if case .named(let name, _) = command.value {
                settings.parity = LineSettings.Parity(rawValue: name) ?? settings.parity
            }
            newLineSettings = settings
        }
        let unit = self.unit
        let sent: ContinuousClock.Instant
        do {
            sent = try await line.transaction(priority: .command, meter: configuration.name) { client in
                let sent = ContinuousClock.now
                switch request {
                case .writeSingleRegister(let address, let value):
                    try await client.writeSingleRegister(unit: unit, address: address, value: value)
                case .writeMultipleRegisters(let address, let values):
                    try await client.writeMultipleRegisters(unit: unit, address: address, values: values)
                case .readHoldingRegisters:
                    break
                }
                return sent
            }
        } catch {
            throw translate(error)
        }
        var notice: String?
        if let newLineSettings {
            try? await line.reconfigure(newLineSettings)
            notice = "the bus now runs at \(newLineSettings): update the bus's modbus_rtu settings in the config file"
        }
        if command.key == "modbus_id", case .integer(let newID) = command.value {
            self.unit = UInt8(newID)
            notice =
                "the bridge follows the meter to address \(newID): update address: \(newID) for meter \(configuration.name) in the config file"
        }
        return try await confirm(command, mapping: mapping, sent: sent, notice: notice)
    }

    /// Reads the written register back and compares it with the command.
    /// - Parameter sent: when the write went out: a reset counter may have counted since (`readBackConfirms`).
    private func confirm(
        _ command: MeterCommand,
        mapping: ModbusMapping,
        sent: ContinuousClock.Instant,
        notice: String?
    ) async throws -> CommandConfirmation {
        let block = ReadBlock(
            address: mapping.address,
            count: mapping.count,
            spans: [RegisterSpan(address: mapping.address, count: mapping.count)]
        )
        let registers: [UInt16]
        do {
            registers = try await readBlock(block, priority: .command)
        } catch {
            throw translate(error, readBack: true)
        }
        let readBack: MeterValue
        do {
            readBack = try command.definition.decodeModbus(registers)
        } catch {
            throw CommandError.communication("the read-back did not decode: \(error)")
        }
        let elapsed = ContinuousClock.now - sent
        let expected = command.value.published
        var confirmed = command.definition.readBackConfirms(readBack, written: expected, elapsed: elapsed)
        if !confirmed, command.definition.isEnergyReset, let ratio = await ctRatio(), ratio > 1 {
            // A CT meter counts primary energy: its largest power is the CT ratio times larger.
            confirmed = command.definition.readBackConfirms(
                readBack,
                written: expected,
                elapsed: elapsed,
                ctRatio: ratio
            )
        }
        guard confirmed else {
            throw CommandError.mismatch(expected: expected.description, readBack: readBack.description)
        }
        var detail = "read back \(readBack.description)"
        if readBack != expected, command.definition.isEnergyReset {
            detail += " (counted since the reset, \(Int(elapsed.milliseconds)) ms before)"
        }
        if mapping.dataType == .tariff, let raw = registers.first {
            detail +=
                RegisterDefinition.tariffIsVolatile(raw)
                ? " (not saved: the meter falls back after a restart)" : " (saved)"
        }
        let reading = Reading(key: command.key, value: readBack, unit: command.definition.unit, time: Date())
        return CommandConfirmation(readings: [reading], detail: detail, notice: notice)
    }

    /// The meter's CT ratio, read now; `nil` when it cannot be read.
    private func ctRatio() async -> Double? {
        guard let row = table["ct_ratio"], let mapping = row.modbus else { return nil }
        let span = RegisterSpan(address: mapping.address, count: mapping.count)
        let block = ReadBlock(address: mapping.address, count: mapping.count, spans: [span])
        guard let registers = try? await readBlock(block, priority: .command) else { return nil }
        return (try? row.decodeModbus(registers))?.doubleValue
    }

    private func translate(_ error: any Error, readBack: Bool = false) -> CommandError {
        let phase = readBack ? "reading back after the write" : "writing"
        switch error {
        case let error as CommandError:
            return error
        case ModbusError.exception(_, let code):
            return .refusedByMeter("Modbus exception \(code) while \(phase)")
        case ModbusError.timeout:
            return .timeout("no reply from unit \(unit) while \(phase)")
        case let error as TransportError:
            return .communication("\(error) while \(phase)")
        default:
            return .communication("\(error) while \(phase)")
        }
    }
}
