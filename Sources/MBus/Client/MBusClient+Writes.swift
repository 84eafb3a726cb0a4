import SerialIO

extension MBusClient {
    /// SND_UD with `ci` and `data` to a primary address (253 after a selection), answered by E5 (manual A2.2
    /// "Write": `51 09 7C 01 54 02` switches to tariff 2).
    /// - Throws: `MBusError.noReply`, `.garbledReply`, `.unexpectedReply` (anything but E5), `.transport`.
    package func sendUserData(to address: UInt8, ci: UInt8 = ControlInformation.dataSend, data: [UInt8]) async throws {
        try await exclusive { try await sendUD(address, ci: ci, data: data) }
    }

    /// SND_UD CI 51 with `records` encoded (`VariableDataEncoder`), answered by E5.
    package func write(_ records: [MBusDataRecord], to address: UInt8) async throws {
        let data = try records.flatMap { try VariableDataEncoder.encode($0) }
        try await sendUserData(to: address, data: data)
    }

    /// Switches a meter to `baudRate` (CI B8 ... BD): the meter answers E5 at the old speed, then listens at the
    /// new one, so the transport follows with `reconfigure` (manual A2.2 "Baudrate").
    /// - Throws: `MBusError.unsupportedBaudRate`, the errors of `sendUserData`, `.transport` from `reconfigure`.
    package func changeBaudRate(of address: UInt8, to baudRate: Int) async throws {
        guard let ci = ControlInformation.baudRateChange(to: baudRate) else {
            throw MBusError.unsupportedBaudRate(baudRate)
        }
        try await exclusive {
            try await sendUD(address, ci: ci, data: [])
            var line = configuration.line
            line.baudRate = baudRate
            do { try await transport.reconfigure(line) } catch let error as TransportError {
                throw MBusError.transport(error)
            }
            setLine(line)
        }
    }

    func sendUD(_ address: UInt8, ci: UInt8, data: [UInt8]) async throws {
        guard data.count <= MBusFrame.maximumDataCount else {
            throw MBusError.unencodable(reason: "\(data.count) bytes do not fit one long frame")
        }
        let label = MBusAddress.primary(address).description
        let fcb = takeFCB(address)
        let reply: MBusFrame
        do {
            reply = try await exchange(
                .long(control: .sndUD(fcb: fcb), address: address, ci: ci, data: data),
                label: label
            )
        } catch {
            restoreFCB(address, fcb)
            throw error
        }
        guard reply == .ack else { throw MBusError.unexpectedReply(address: label, reason: "\(reply) to SND_UD") }
    }
}
