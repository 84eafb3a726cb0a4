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
        var lastAccessNumber: UInt8?
        var repeats = 0
        while true {
            let reply = try await requestUserData(primary, label: label)
            let structure = try Self.telegram(in: reply, from: primary, label: label, manufacturer: manufacturer)
            let accessNumber = structure.header.accessNumber
            if !parts.isEmpty, let accessNumber, accessNumber == lastAccessNumber {
                repeats += 1
                guard repeats < configuration.maximumRepeats else {
                    throw MBusError.telegramsNotAdvancing(address: label, accessNumber: accessNumber, attempts: repeats)
                }
                continue
            }
            repeats = 0
            lastAccessNumber = accessNumber
            parts.append(structure)
            if !structure.moreRecordsFollow { return Self.reading(address, parts) }
            guard parts.count < configuration.maximumTelegrams else {
                throw MBusError.tooManyTelegrams(address: label, limit: configuration.maximumTelegrams)
            }
        }
    }

    /// One REQ_UD2 with the next FCB; the FCB is given back when the exchange fails, so the retry repeats it.
    private func requestUserData(_ primary: UInt8, label: String) async throws -> MBusFrame {
        let fcb = takeFCB(primary)
        do {
            return try await exchange(.short(control: .reqUD2(fcb: fcb), address: primary), label: label)
        } catch {
            restoreFCB(primary, fcb)
            throw error
        }
    }

    /// The telegrams of one readout joined into one reading.
    private static func reading(_ address: MBusAddress, _ parts: [VariableDataStructure]) -> MBusReading {
        MBusReading(
            address: address,
            header: parts[0].header,
            records: parts.flatMap(\.records),
            manufacturerData: parts.flatMap(\.manufacturerData),
            telegramCount: parts.count
        )
    }

    /// The variable data structure of an RSP_UD from `primary`, checked: the reply kind, the sender and (when
    /// given) the manufacturer, which the checksum cannot protect (a swapped `25 CD` has the same byte sum).
    ///
    /// The readout loop is split into small functions on purpose: written as one async loop, it crashed the Swift
    /// 6.3.1 optimizer (CopyPropagation, "Found outside of lifetime use") in release builds.
    private static func telegram(
        in reply: MBusFrame,
        from primary: UInt8,
        label: String,
        manufacturer: ManufacturerCode?
    ) throws -> VariableDataStructure {
        guard case .long(let control, let from, let ci, let data) = reply, control.isRspUD else {
            throw MBusError.unexpectedReply(address: label, reason: "\(reply) to REQ_UD2")
        }
        if primary <= MBusPrimaryAddress.highestAssignable, from != primary {
            throw MBusError.unexpectedReply(address: label, reason: "RSP_UD from address \(from)")
        }
        let structure = try VariableDataDecoder.decode(ci: ci, data: data)
        guard let manufacturer else { return structure }
        let received: ManufacturerCode?
        switch structure.header {
        case .long(let header): received = header.address.manufacturer
        default: return structure
        }
        guard received == manufacturer else {
            throw MBusError.manufacturerMismatch(expected: manufacturer.letters, received: received?.letters ?? "?")
        }
        return structure
    }
}
