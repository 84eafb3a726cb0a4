import CodecSupport

/// Decodes RTU responses from a byte stream, as a client: NIO's single-step contract (`decode()` returns `nil`
/// for "need more bytes" and consumes only what it decoded).
///
/// RTU has no length field: the length follows from the function code and byte count. A frame can start only
/// where a known response function (or its exception) stands; when none can, or the CRC fails, one byte is dropped
/// and the scan resumes, so stray bytes before a reply (`00 01 03 04 43 66 4C CD FA FD`) are skipped and counted.
/// Source: Modbus over Serial Line V1.02, 2.5.1.
package struct RTUResponseDecoder: Sendable, Equatable {
    private var scanner = RTUScanner()
    /// With a request set, only its answer can start a frame (see `PDULength.response(_:answering:)`).
    package var request: ModbusRequest?

    /// - Parameter request: the request whose answer is awaited, or `nil` to accept any response.
    package init(answering request: ModbusRequest? = nil) {
        self.request = request
    }

    /// Bytes dropped while resynchronising.
    package var skippedBytes: Int { scanner.skippedBytes }
    /// Candidate frames whose CRC did not match.
    package var crcFailures: Int { scanner.crcFailures }
    /// The bytes received and not yet decoded.
    package var unread: ArraySlice<UInt8> { scanner.accumulator.unread }

    /// Adds received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        scanner.accumulator.append(bytes)
    }

    /// Drops `count` unread bytes without counting them as stray (a recognised echo).
    package mutating func discard(_ count: Int) { scanner.accumulator.consume(count) }

    /// The next complete, CRC-valid response, or `nil` when more bytes are needed. Never throws: RTU recovers from
    /// bad frames by resynchronising.
    package mutating func decode() -> ModbusADU<ModbusResponse>? {
        let request = self.request
        let frame = scanner.next(
            length: { PDULength.response($0, answering: request) },
            parse: { try? PDUCodec.decodeResponse($0) }
        )
        return frame.map { ModbusADU(unit: $0.unit, message: $0.message) }
    }
}

/// Decodes RTU requests from a byte stream, as a server (the simulator): same contract and resynchronisation as
/// `RTUResponseDecoder`. Frames for every unit are returned, broadcast (0) included; the server picks its own.
package struct RTURequestDecoder: Sendable, Equatable {
    private var scanner = RTUScanner()

    package init() {}

    /// Bytes dropped while resynchronising.
    package var skippedBytes: Int { scanner.skippedBytes }
    /// Candidate frames whose CRC did not match.
    package var crcFailures: Int { scanner.crcFailures }

    /// Adds received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        scanner.accumulator.append(bytes)
    }

    /// The next complete, CRC-valid request, or `nil` when more bytes are needed.
    package mutating func decode() -> ModbusADU<ModbusServerRequest>? {
        let frame = scanner.next(length: { PDULength.request($0) }, parse: { PDUCodec.decodeRequest($0) })
        return frame.map { ModbusADU(unit: $0.unit, message: $0.message) }
    }
}
