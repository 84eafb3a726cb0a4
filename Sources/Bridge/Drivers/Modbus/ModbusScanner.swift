import Foundation
package import Logging
import Modbus
import PRO380
import SerialIO

/// Finds PRO380-Mod meters on a bus for commissioning: asks every unit id for its serial number with a short timeout.
package enum ModbusScanner {
    /// A meter that answered.
    package struct Found: Sendable, Equatable {
        package var address: Int
        package var serialNumber: String
        /// `.legacyV114` when the meter refuses the current map (0x4000 and 0x6000) with exception 02.
        package var registerMap: RegisterMap = .current
    }

    /// Asks units `addresses` (default 1...247) in turn; `progress` is called after each.
    /// - Throws: `TransportError` when the bus cannot be opened.
    package static func scan(
        link: BusLink,
        addresses: ClosedRange<Int> = 1...247,
        timeout: Duration = .milliseconds(150),
        logger: Logger,
        progress: @Sendable (Int, Found?) -> Void = { _, _ in }
    ) async throws -> [Found] {
        guard let serial = RegisterTable.pro380["serial_number"], let mapping = serial.modbus else { return [] }
        let line = BusSession.modbusLine(
            BusConfiguration(name: "scan", link: link, timeout: timeout),
            logger: logger,
            use: .oneShot
        )
        do {
            let found = try await scan(
                line,
                serial: serial,
                mapping: mapping,
                addresses: addresses,
                logger: logger,
                progress
            )
            // Closed before returning: a serial port is opened exclusively, and the caller may open it next.
            await line.close()
            return found
        } catch {
            await line.close()
            throw error
        }
    }

    private static func scan(
        _ line: BusLine<ModbusClient>,
        serial: RegisterDefinition,
        mapping: ModbusMapping,
        addresses: ClosedRange<Int>,
        logger: Logger,
        _ progress: @Sendable (Int, Found?) -> Void
    ) async throws -> [Found] {
        var found: [Found] = []
        for address in addresses {
            let unit = UInt8(address)
            var result: Found?
            do {
                let registers = try await line.transaction(priority: .poll) { client in
                    try await client.readHoldingRegisters(unit: unit, address: mapping.address, count: mapping.count)
                }
                if case .text(let text) = try serial.decodeModbus(registers) {
                    result = Found(address: address, serialNumber: text)
                }
            } catch ModbusError.timeout {
                result = nil
            } catch let error as TransportError {
                throw error
            } catch ModbusError.exception(_, .illegalDataAddress) {
                let legacy = await refusesEnergyArea(line: line, unit: unit)
                result = Found(address: address, serialNumber: "?", registerMap: legacy ? .legacyV114 : .current)
            } catch ModbusError.exception {
                result = Found(address: address, serialNumber: "?")
            } catch {
                logger.debug("unit \(address): \(error)")
            }
            if let result { found.append(result) }
            progress(address, result)
        }
        return found
    }

    /// Whether `unit`, which refused 0x4000 with exception 02, refuses the energy area (0x6000) the same way: the
    /// signature of firmware from before the current register map (`RegisterMap`).
    private static func refusesEnergyArea(line: BusLine<ModbusClient>, unit: UInt8) async -> Bool {
        guard let energy = RegisterTable.pro380["active_energy_total"]?.modbus else { return false }
        do {
            _ = try await line.transaction(priority: .poll) { client in
                try await client.readHoldingRegisters(unit: unit, address: energy.address, count: energy.count)
            }
            return false
        } catch ModbusError.exception(_, .illegalDataAddress) {
            return true
        } catch {
            return false
        }
    }

    /// A `buses:` entry for the found meters, ready to paste into a config file.
    package static func configBlock(link: BusLink, found: [Found]) -> String {
        var lines = ["buses:", "  - name: scanned"]
        switch link {
        case .modbusRTU(let device, let settings):
            lines.append(
                "    modbus_rtu: {device: \(device), baud: \(settings.baudRate), parity: \(settings.parity.rawValue), stop_bits: \(settings.stopBits)}"
            )
        case .modbusTCP(let host, let port): lines.append("    modbus_tcp: {host: \(host), port: \(port)}")
        case .modbusRTUOverTCP(let host, let port):
            lines.append("    modbus_rtu_over_tcp: {host: \(host), port: \(port)}")
        default: break
        }
        lines.append("    meters:")
        for meter in found {
            if meter.registerMap == .legacyV114 {
                lines.append(
                    "      # unit \(meter.address) answers the old (V1.14) register map: the bridge cannot read it"
                )
            }
            let name = ScannedMeterName.suggested(serialNumber: meter.serialNumber, address: meter.address)
            lines.append("      - {name: \(name), address: \(meter.address)}")
        }
        return lines.joined(separator: "\n")
    }
}
