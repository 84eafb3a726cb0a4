extension MBusClient {
    /// Reads all of a meter's data: SND_NKE before the first exchange with a primary address (selection for a
    /// secondary one), then REQ_UD2 with FCB toggling until a telegram without "more records follow" (DIF 1F).
    /// - Parameters:
    ///   - address: primary 0 ... 250 or 254, or a secondary address without wildcards.
    ///   - manufacturer: when given, the header must carry it (INM for a PRO380), else the reading is refused.
    /// - Throws: `MBusError.noReply` / `.garbledReply` (naming the address), `.unexpectedReply`,
    ///   `.manufacturerMismatch`, `.telegramsNotAdvancing`, `.tooManyTelegrams`, codec errors, `.transport`.
    package func readData(from address: MBusAddress, manufacturer: ManufacturerCode? = nil) async throws -> MBusReading
    {
        try await exclusive {
            let primary: UInt8
            switch address {
            case .primary(let value):
                guard value <= MBusPrimaryAddress.highestAssignable || value == MBusPrimaryAddress.broadcastWithReply
                else { throw MBusError.invalidAddress("primary address \(value)") }
                primary = value
                if nextFCB[value] == nil { try await resetLink(value, label: address.description) }
            case .secondary(let secondary):
                guard !secondary.hasWildcards else { throw MBusError.invalidAddress("\(secondary) has wildcards") }
                try await selectRequiringAck(secondary)
                primary = MBusPrimaryAddress.networkLayer
            }
            return try await readout(primary, address: address, manufacturer: manufacturer)
        }
    }

    /// SND_NKE to `address`, answered by E5; the next FCV frame then carries FCB = 1.
    package func sendNKE(to address: UInt8) async throws {
        try await exclusive { try await resetLink(address, label: MBusAddress.primary(address).description) }
    }

    func resetLink(_ address: UInt8, label: String) async throws {
        let reply = try await exchange(.short(control: .sndNKE, address: address), label: label)
        guard reply == .ack else { throw MBusError.unexpectedReply(address: label, reason: "\(reply) to SND_NKE") }
        nextFCB[address] = true
    }

    private func readout(
        _ primary: UInt8,
        address: MBusAddress,
        manufacturer: ManufacturerCode?
    ) async throws
        -> MBusReading
    {
        let label = address.description
        var parts: [VariableDataStructure] = []
        var repeats = 0
        while true {
            let fcb = takeFCB(primary)
            let reply: MBusFrame
            do {
                reply = try await exchange(.short(control: .reqUD2(fcb: fcb), address: primary), label: label)
            } catch {
                restoreFCB(primary, fcb)
                throw error
            }
            guard case .long(let control, let from, let ci, let data) = reply, control.isRspUD else {
                throw MBusError.unexpectedReply(address: label, reason: "\(reply) to REQ_UD2")
            }
            if primary <= MBusPrimaryAddress.highestAssignable, from != primary {
                throw MBusError.unexpectedReply(address: label, reason: "RSP_UD from address \(from)")
            }
            let structure = try VariableDataDecoder.decode(ci: ci, data: data)
            if let manufacturer, case .long(let header) = structure.header, header.address.manufacturer != manufacturer
            {
                throw MBusError.manufacturerMismatch(
                    expected: manufacturer.letters,
                    received: header.address.manufacturer?.letters ?? "?"
                )
            }
            if let last = parts.last, let access = structure.header.accessNumber, access == last.header.accessNumber {
                repeats += 1
                guard repeats < configuration.maximumRepeats else {
                    throw MBusError.telegramsNotAdvancing(address: label, accessNumber: access, attempts: repeats)
                }
                continue
            }
            repeats = 0
            parts.append(structure)
            if !structure.moreRecordsFollow {
                return MBusReading(
                    address: address,
                    header: parts[0].header,
                    records: parts.flatMap(\.records),
                    manufacturerData: parts.flatMap(\.manufacturerData),
                    telegramCount: parts.count
                )
            }
            guard parts.count < configuration.maximumTelegrams else {
                throw MBusError.tooManyTelegrams(address: label, limit: configuration.maximumTelegrams)
            }
        }
    }
}
