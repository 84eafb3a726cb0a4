extension MBusClient {
    /// What a selection with a (possibly wildcard) secondary address found.
    package enum SelectionResult: Sendable, Equatable {
        /// No meter answered.
        case none
        /// Exactly one meter answered with E5.
        case single
        /// Several meters answered at once (garbled reply).
        case collision
    }

    /// Selects meters by secondary address (SND_UD `53 FD 52` + ID, manufacturer, version, medium; manual A2.2).
    /// One attempt: silence is `.none`, E5 `.single`, anything garbled `.collision`. Two E5 at once may look like
    /// one; the search confirms a `.single` with a readout.
    package func select(_ address: SecondaryAddress) async throws -> SelectionResult {
        try await exclusive { try await selectOnce(address) }
    }

    func selectOnce(_ address: SecondaryAddress) async throws -> SelectionResult {
        let frame = MBusFrame.long(
            control: .sndUD(fcb: false),
            address: MBusPrimaryAddress.networkLayer,
            ci: ControlInformation.selection,
            data: address.wireBytes
        )
        switch try await exchangeOnce(frame) {
        case .silence: return .none
        case .garbled: return .collision
        case .frame(.ack):
            nextFCB[MBusPrimaryAddress.networkLayer] = true
            return .single
        case .frame(let other):
            throw MBusError.unexpectedReply(address: "secondary address \(address)", reason: "\(other) to selection")
        }
    }

    /// Selects `address` with retries, then waits `selectionPause`.
    /// - Throws: `MBusError.noReply` naming the secondary address when the meter never answers.
    func selectRequiringAck(_ address: SecondaryAddress) async throws {
        let label = MBusAddress.secondary(address).description
        var collisions = 0
        for _ in 0..<max(configuration.attempts, 1) {
            switch try await selectOnce(address) {
            case .single:
                if configuration.selectionPause > .zero { try await Task.sleep(for: configuration.selectionPause) }
                return
            case .collision: collisions += 1
            case .none: continue
            }
        }
        if collisions > 0 {
            throw MBusError.garbledReply(
                address: label,
                attempts: configuration.attempts,
                lastError: "selection collided"
            )
        }
        throw MBusError.noReply(address: label, attempts: configuration.attempts)
    }

    /// Finds every meter by secondary address: select with a wildcard mask; on a collision fix the next
    /// identification digit to 0 ... 9 and try again, digit by digit (EN 13757-3 Annex; libmbus's scan idea).
    /// A single answer is confirmed by a REQ_UD2 to 253 (a garbled answer there is a collision after all).
    /// - Returns: the fixed headers of the meters found, in search order.
    package func searchSecondaryAddresses(within mask: SecondaryAddress = .anyMeter) async throws -> [FixedDataHeader] {
        try await exclusive {
            var found: [FixedDataHeader] = []
            var pending = [mask]
            while let current = pending.popLast() {
                switch try await probe(current) {
                case .nothing: continue
                case .found(let header): found.append(header)
                case .collision:
                    guard let position = current.identification.firstIndex(of: "F") else { continue }
                    for digit in (0...9).reversed() {
                        var next = current
                        next.identification.replaceSubrange(position...position, with: String(digit))
                        pending.append(next)
                    }
                }
            }
            return found
        }
    }

    private enum ProbeResult {
        case nothing
        case found(FixedDataHeader)
        case collision
    }

    private func probe(_ mask: SecondaryAddress) async throws -> ProbeResult {
        switch try await selectOnce(mask) {
        case .none: return .nothing
        case .collision: return .collision
        case .single:
            if configuration.selectionPause > .zero { try await Task.sleep(for: configuration.selectionPause) }
            let fcb = takeFCB(MBusPrimaryAddress.networkLayer)
            let request = MBusFrame.short(control: .reqUD2(fcb: fcb), address: MBusPrimaryAddress.networkLayer)
            switch try await exchangeOnce(request) {
            case .frame(.long(let control, _, let ci, let data)) where control.isRspUD:
                let structure = try VariableDataDecoder.decode(ci: ci, data: data)
                guard case .long(let header) = structure.header else { return .nothing }
                return .found(header)
            case .garbled: return .collision
            default: return .nothing
            }
        }
    }
}
