import Foundation
import MBus
package import PRO380
import PRO380Protocols

extension MBusMeterDriver {
    /// Writes a validated command with SND_UD (manual A2.2 "Write"), holding the bus at `.command` priority.
    ///
    /// Confirmation: the meter's E5. Where a readout can show the setting (the primary or secondary address: the
    /// meter answers there with its identification; the baud rate: it answers at the new speed) a REQ_UD2 follows
    /// and must agree, else `CommandError.mismatch`. Where it cannot (tariff, combination code, S0 rate, resets),
    /// `detail` says the E5 is the only confirmation. M-Bus has no "not saved" tariff: `persist: false` writes the
    /// tariff, which the meter saves, and `detail` says so.
    /// - Throws: `CommandError.notSupported` (no M-Bus write for the key), `.unsafe` (baud rate on a shared bus or
    ///   through a gateway), `.timeout`, `.communication`, `.refusedByMeter`, `.mismatch`.
    package func write(_ command: MeterCommand) async throws -> CommandConfirmation {
        guard let kind = command.definition.write?.mbus else {
            throw CommandError.notSupported(key: command.key, protocolName: "M-Bus")
        }
        switch kind {
        case .baudRate: return try await writeBaudRate(command)
        case .primaryAddress, .secondaryAddress: return try await writeAddress(kind, command)
        default:
            let data = try MBusWriteEncoder.data(kind, value: command.value, key: command.key)
            try await mapErrors {
                try await self.transaction(.command) { client, target in
                    try await Self.sendUD(client, to: target, data: data)
                    return (target, ())
                }
            }
            var detail =
                "\(command.key) \(command.value) acknowledged by E5; the meter has no M-Bus record to read "
                + (kind == .tariff ? "the tariff" : "\(command.key)") + " back"
            if case .tariff(_, persist: false) = command.value {
                detail += "; M-Bus has no unsaved tariff, so the meter saved it"
            }
            return CommandConfirmation(readings: [], detail: detail)
        }
    }

    /// SND_UD CI 51 to the meter: to its primary address, or to 253 after selecting it.
    nonisolated(nonsending) static func sendUD(
        _ client: MBusClient,
        to target: MBusAddress,
        data: [UInt8],
        ci: UInt8 = ControlInformation.dataSend
    ) async throws {
        switch target {
        case .primary(let address):
            try await client.sendUserData(to: address, ci: ci, data: data)
        case .secondary(let address):
            try await select(client, address)
            try await client.sendUserData(to: MBusPrimaryAddress.networkLayer, ci: ci, data: data)
        }
    }

    /// Selects `address`, retrying lost answers.
    nonisolated(nonsending) static func select(_ client: MBusClient, _ address: SecondaryAddress) async throws {
        for _ in 0..<3 {
            switch try await client.select(address) {
            case .single: return
            case .collision:
                throw MBusError.garbledReply(
                    address: "secondary address \(address)",
                    attempts: 1,
                    lastError: "selection collided"
                )
            case .none: continue
            }
        }
        throw MBusError.noReply(address: "secondary address \(address)", attempts: 3)
    }

    /// Writes the primary or secondary address, then reads the meter at the new address and compares its
    /// identification; follows the meter there when that is how it is configured.
    func writeAddress(_ kind: MBusWriteCommand, _ command: MeterCommand) async throws -> CommandConfirmation {
        let data = try MBusWriteEncoder.data(kind, value: command.value, key: command.key)
        let mapper = self.mapper
        return try await mapErrors {
            try await self.transaction(.command) { client, old in
                let before = try await client.readData(from: old, manufacturer: .inepro)
                guard case .long(let header) = before.header else {
                    throw MBusError.unexpectedReply(address: "\(old)", reason: "no fixed header")
                }
                try await Self.sendUD(client, to: old, data: data)
                var check = old
                var expectedID = header.address.identification
                var notice: String?
                switch (kind, command.value, old) {
                case (.primaryAddress, .integer(let n), .primary):
                    check = .primary(UInt8(n))
                    notice = "update address: \(n) in the config file"
                case (.primaryAddress, .integer(let n), .secondary):
                    check = .primary(UInt8(n))
                case (.secondaryAddress, .digits(let digits), _):
                    var address = header.address
                    address.identification = digits
                    expectedID = digits
                    if case .secondary = old {
                        check = .secondary(address)
                        notice = "update secondary_address: \"\(digits)\" in the config file"
                    }
                default: break
                }
                let after = try await client.readData(from: check, manufacturer: .inepro)
                guard case .long(let readBack) = after.header, readBack.address.identification == expectedID else {
                    throw CommandError.mismatch(
                        expected: "meter \(expectedID) at \(check)",
                        readBack: "\(after.header)"
                    )
                }
                let readings = mapper.map(after, groups: Set(PollGroup.allCases), time: Date()).readings
                return (
                    notice != nil ? check : old,
                    CommandConfirmation(
                        readings: readings + [
                            Reading(key: command.key, value: command.value.published, unit: nil, time: Date())
                        ],
                        detail: "acknowledged by E5; read back: meter \(expectedID) answers at \(check)",
                        notice: notice
                    )
                )
            }
        }
    }

    /// Changes the line speed (CI B8 ... BD): E5 at the old speed, then the bridge follows and reads the meter at
    /// the new one. Only on a serial line the bridge drives, and only with the meter alone on its bus.
    func writeBaudRate(_ command: MeterCommand) async throws -> CommandConfirmation {
        guard options.serialLine else {
            throw CommandError.unsafe(
                "baud_rate over an M-Bus TCP gateway: the gateway's line speed cannot follow; change it at the meter and the gateway"
            )
        }
        guard options.aloneOnBus else {
            throw CommandError.unsafe("baud_rate refused: other meters share this bus and would stay at the old speed")
        }
        guard case .integer(let baud) = command.value else {
            throw CommandError.notSupported(key: command.key, protocolName: "M-Bus (value \(command.value))")
        }
        let mapper = self.mapper
        let (confirmation, newLine) = try await mapErrors {
            try await self.transaction(.command) { client, address in
                switch address {
                case .primary(let p): try await client.changeBaudRate(of: p, to: baud)
                case .secondary(let s):
                    try await Self.select(client, s)
                    try await client.changeBaudRate(of: MBusPrimaryAddress.networkLayer, to: baud)
                }
                let after = try await client.readData(from: address, manufacturer: .inepro)
                let readings = mapper.map(after, groups: Set(PollGroup.allCases), time: Date()).readings
                let confirmation = CommandConfirmation(
                    readings: readings + [Reading(key: "baud_rate", value: .integer(baud), unit: nil, time: Date())],
                    detail: "acknowledged by E5 at the old speed; read back: the meter answers at \(baud) baud",
                    notice: "update baud: \(baud) in the config file"
                )
                return (address, (confirmation, client.configuration.line))
            }
        }
        // The line remembers the new speed for later reopens (the transport already runs at it).
        try? await line.reconfigure(newLine)
        return confirmation
    }

    /// Runs `body`, turning M-Bus errors into the command answer's `CommandError`.
    func mapErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CommandError {
            throw error
        } catch let error as MBusError {
            switch error {
            case .noReply: throw CommandError.timeout(error.description)
            case .transport(let inner) where inner.isTimeout: throw CommandError.timeout(error.description)
            case .unexpectedReply: throw CommandError.refusedByMeter(error.description)
            default: throw CommandError.communication(error.description)
            }
        } catch {
            throw CommandError.communication("\(error)")
        }
    }
}
