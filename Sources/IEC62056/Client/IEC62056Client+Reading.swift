import SerialIO

extension IEC62056Client {
    /// Reads until the identification decodes; the first byte within `identificationTimeout`, later ones within
    /// `interCharacterTimeout`, all of it within the identification timeout plus 128 characters' transmission
    /// time (so a stream of noise cannot hold the session).
    func readIdentification() async throws -> IdentificationMessage {
        let settings = configuration.signOnSettings
        let deadline =
            ContinuousClock.now + configuration.identificationTimeout
            + settings.transmissionTime(characters: IdentificationDecoder.maximumLength)
        var decoder = IdentificationDecoder()
        var timeout = configuration.identificationTimeout
        while true {
            decoder.append(try await read(timeout: timeout, deadline: deadline, phase: .identification))
            if let identification = try decoder.decode() { return identification }
            timeout = configuration.interCharacterTimeout
        }
    }

    /// Reads until the data message decodes: its STX within `dataStartTimeout` of the acknowledgement (noise at
    /// a wrong speed does not extend it), then each byte within `interCharacterTimeout` and the whole message
    /// within `maximumReadoutDuration`.
    func readDataMessage() async throws -> DataMessage {
        var decoder = DataMessageDecoder()
        var deadline = ContinuousClock.now + configuration.dataStartTimeout
        var started = false
        while true {
            let timeout = started ? configuration.interCharacterTimeout : configuration.dataStartTimeout
            let phase: IEC62056Error.Phase = started ? .dataMessage : .dataMessageStart
            decoder.append(try await read(timeout: timeout, deadline: deadline, phase: phase))
            if let message = try decoder.decode() { return message }
            if !started && decoder.hasPartialMessage {
                started = true
                deadline = ContinuousClock.now + configuration.maximumReadoutDuration
            }
        }
    }

    /// Reads and drops bytes until none arrives for `interCharacterTimeout` (the meter has finished talking at a
    /// speed we could not follow), within `maximumReadoutDuration`; then drops what is buffered.
    func waitForQuietLine() async throws {
        let deadline = ContinuousClock.now + configuration.maximumReadoutDuration
        while ContinuousClock.now < deadline {
            do {
                _ = try await transport.read(maxCount: 4096, timeout: configuration.interCharacterTimeout)
            } catch TransportError.timeout {
                break
            }
        }
        try await transport.discardInput()
    }

    /// One transport read that waits at most `timeout` and never past `deadline`; a transport timeout becomes
    /// `IEC62056Error.timeout(phase)`.
    private func read(
        timeout: Duration,
        deadline: ContinuousClock.Instant,
        phase: IEC62056Error.Phase
    ) async throws
        -> [UInt8]
    {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw IEC62056Error.timeout(phase) }
        do {
            return try await transport.read(maxCount: 4096, timeout: min(timeout, remaining))
        } catch TransportError.timeout {
            throw IEC62056Error.timeout(phase)
        }
    }
}
