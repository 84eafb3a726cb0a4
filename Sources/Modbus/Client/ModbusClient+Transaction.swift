import Logging
import SerialIO

extension ModbusClient {
    /// One transaction; the caller holds the line.
    func transact(unit: UnitID, request: ModbusRequest, timeout: Duration, gap: Duration) async throws -> ModbusResponse
    {
        let clock = ContinuousClock()
        let quietUntil = lastActivity + InterFrameTiming.silence(for: lineSettings) + gap
        // A sleep suspends even when its deadline has passed (a timer job and a thread hand-off per transaction);
        // over TCP without a gap the line is always quiet long enough.
        if quietUntil > clock.now {
            try await clock.sleep(until: quietUntil)
        } else {
            try Task.checkCancellation()
        }
        try await transport.discardInput()

        let transactionID: UInt16? = framing == .tcp ? nextTransactionID : nil
        if framing == .tcp { nextTransactionID &+= 1 }
        let adu =
            transactionID.map { TCPFraming.encode(transactionID: $0, unit: unit, request: request) }
            ?? RTUFraming.encode(unit: unit, request: request)
        logger.trace("modbus tx", metadata: ["endpoint": "\(transport.endpoint)", "bytes": "\(hexDump(adu))"])
        record { $0.transactions += 1 }
        try await transport.write(adu)
        let sentAt = clock.now
        lastActivity = sentAt
        if unit == UnitID.broadcast { return .success(for: request) }

        var reader = ReplyReader(
            framing: framing,
            unit: unit,
            request: request,
            transactionID: transactionID,
            sent: adu,
            expectEcho: expectEcho,
            endpoint: transport.endpoint
        )
        defer { account(reader) }
        let deadline = sentAt + timeout
        while true {
            let remaining = deadline - clock.now
            let chunk: [UInt8]
            do {
                guard remaining > .zero else { throw TransportError.timeout(endpoint: transport.endpoint) }
                chunk = try await transport.read(maxCount: 512, timeout: remaining)
            } catch TransportError.timeout {
                record { $0.timeouts += 1 }
                if let failure = reader.failureAtDeadline { throw failure }
                throw ModbusError.timeout(
                    endpoint: transport.endpoint,
                    unit: unit,
                    function: request.functionCode,
                    bytesReceived: reader.bytesReceived
                )
            }
            lastActivity = clock.now
            logger.trace("modbus rx", metadata: ["endpoint": "\(transport.endpoint)", "bytes": "\(hexDump(chunk))"])
            let mismatchesBefore = reader.mismatches
            let response = try reader.receive(chunk)
            consecutiveMismatches += reader.mismatches - mismatchesBefore
            if consecutiveMismatches >= Self.mismatchLimit {
                let count = consecutiveMismatches
                consecutiveMismatches = 0
                logger.debug(
                    "modbus replies out of step",
                    metadata: ["endpoint": "\(transport.endpoint)", "count": "\(count)"]
                )
                throw ModbusError.tooManyMismatches(endpoint: transport.endpoint, count: count)
            }
            guard let response else { continue }
            consecutiveMismatches = 0
            let roundTrip = clock.now - sentAt
            record {
                $0.lastRoundTrip = roundTrip
                if case .exception = response { $0.exceptions += 1 }
            }
            return response
        }
    }

    /// Adds a finished transaction's recoveries to the diagnostics.
    private func account(_ reader: ReplyReader) {
        record {
            $0.crcErrors += reader.crcErrors
            $0.strayBytes += reader.strayBytes
            $0.echoes += reader.echoes
            $0.mismatches += reader.mismatches
        }
        if reader.strayBytes > 0 || reader.mismatches > 0 || reader.echoes > 0 {
            logger.debug(
                "modbus reply recovered",
                metadata: [
                    "endpoint": "\(transport.endpoint)", "stray_bytes": "\(reader.strayBytes)",
                    "crc_errors": "\(reader.crcErrors)", "mismatches": "\(reader.mismatches)",
                    "echoes": "\(reader.echoes)",
                ]
            )
        }
    }
}

/// `01 03 04 43 66` for logs.
func hexDump<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}
