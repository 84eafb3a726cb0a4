package import Logging
package import SerialIO

/// A Modbus client on one transport: runs one transaction at a time (request, then the valid reply or a
/// timeout) in RTU, Modbus TCP or RTU-over-TCP framing.
///
/// A plain class, not `Sendable`: the bridge's `BusLine` owns it and runs its methods on the bus actor's executor
/// (they are `nonisolated(nonsending)`), one transaction at a time behind the line's gate, which is the only queue
/// on the bus. The type system keeps it with one owner, so two transactions cannot interleave on the line.
///
/// Each transaction: wait until the inter-frame silence (3.5 characters, 1.75 ms above 19200 baud) plus
/// `requestGap` has passed since the last bus activity (client creation counts, so the gap applies before the
/// very first request too); drop any input already buffered (late replies, noise); send; read until a complete,
/// valid reply or the timeout. Replies that fail their CRC, come from another unit, carry a stale transaction id
/// or answer another function or quantity are dropped and reading goes on. Transport failures are thrown as the
/// transport's `TransportError`.
package final class ModbusClient {
    /// The transport the client owns for its transactions.
    package let transport: any Transport
    /// The framing on the transport.
    package let framing: ModbusFraming
    /// The serial line settings (for the inter-frame silence); `nil` on TCP.
    package private(set) var lineSettings: LineSettings?
    /// How long to wait for a reply when a call gives none.
    package var timeout: Duration
    /// Extra silence before each request, for slow meters and converters.
    package var requestGap: Duration
    /// Whether the line echoes every request (two-wire RS-485 adapters without echo suppression).
    package var expectEcho: Bool
    /// The counters of this client.
    package private(set) var diagnostics = ModbusDiagnostics()

    /// Mismatched replies in a row after which the connection is declared out of step.
    package static let mismatchLimit = 3

    let logger: Logger
    var lastActivity: ContinuousClock.Instant = .now
    var nextTransactionID: UInt16 = 1
    var consecutiveMismatches = 0

    /// - Parameters:
    ///   - transport: the open transport; the client never closes it.
    ///   - framing: `.rtu` on a serial line, `.tcp` or `.rtuOverTCP` on a gateway.
    ///   - lineSettings: the serial settings, for the inter-frame silence; `nil` on TCP.
    ///   - timeout: the default reply timeout.
    ///   - requestGap: extra silence before every request.
    ///   - expectEcho: skip an echo of each request instead of reporting `ModbusError.echoDetected`.
    ///   - logger: frames are logged at trace level, recoveries at debug.
    package init(
        transport: any Transport,
        framing: ModbusFraming,
        lineSettings: LineSettings?,
        timeout: Duration,
        requestGap: Duration = .zero,
        expectEcho: Bool = false,
        logger: Logger
    ) {
        self.transport = transport
        self.framing = framing
        self.lineSettings = lineSettings
        self.timeout = timeout
        self.requestGap = requestGap
        self.expectEcho = expectEcho
        self.logger = logger
    }

    /// Records new line settings after the transport was reconfigured (a baud-rate or parity change).
    package func updateLineSettings(_ settings: LineSettings?) { lineSettings = settings }

    /// Reads `count` holding registers (function 03).
    /// - Parameters:
    ///   - timeout: overrides the client's reply timeout for this call.
    ///   - requestGap: overrides the client's request gap for this call.
    /// - Returns: exactly `count` registers.
    /// - Throws: `ModbusError.exception` when the meter refuses (02 for an address it does not implement), other
    ///   `ModbusError`s for protocol failures, `TransportError` when the transport fails.
    package func readHoldingRegisters(
        unit: UnitID,
        address: UInt16,
        count: Int,
        timeout: Duration? = nil,
        requestGap: Duration? = nil
    ) async throws -> [UInt16] {
        let request = ModbusRequest.readHoldingRegisters(address: address, count: count)
        switch try await send(unit: unit, request: request, timeout: timeout, requestGap: requestGap) {
        case .readHoldingRegisters(let values): return values
        case .exception(let function, let code): throw ModbusError.exception(function: function, code: code)
        case let other: throw ModbusError.writeNotConfirmed(request: request, response: other)
        }
    }

    /// Writes one register (function 06) and checks the echo.
    /// - Throws: as `readHoldingRegisters`, and `ModbusError.writeNotConfirmed` when the echo differs.
    package func writeSingleRegister(
        unit: UnitID,
        address: UInt16,
        value: UInt16,
        timeout: Duration? = nil
    ) async throws {
        try await confirmWrite(
            unit: unit,
            request: .writeSingleRegister(address: address, value: value),
            timeout: timeout
        )
    }

    /// Writes consecutive registers (function 16) and checks the acknowledged address and quantity.
    /// - Throws: as `writeSingleRegister`.
    package func writeMultipleRegisters(
        unit: UnitID,
        address: UInt16,
        values: [UInt16],
        timeout: Duration? = nil
    ) async throws {
        try await confirmWrite(
            unit: unit,
            request: .writeMultipleRegisters(address: address, values: values),
            timeout: timeout
        )
    }

    private func confirmWrite(unit: UnitID, request: ModbusRequest, timeout: Duration?) async throws {
        let response = try await send(unit: unit, request: request, timeout: timeout)
        if case .exception(let function, let code) = response {
            throw ModbusError.exception(function: function, code: code)
        }
        guard unit == UnitID.broadcast || response == .success(for: request) else {
            diagnostics.mismatches += 1
            throw ModbusError.writeNotConfirmed(request: request, response: response)
        }
    }

    /// Runs one transaction: the core of every call.
    ///
    /// Unit 0 (broadcast) only sends: no device replies, the returned value is the response a device would give,
    /// not a confirmation. Callers address broadcast explicitly; reads to it are refused.
    /// - Returns: the device's answer; an exception response is returned as `.exception`, not thrown.
    /// - Throws: `ModbusError.invalidRequest` (nothing sent), `.timeout`, `.echoDetected`, `.framingMismatch`,
    ///   `.tooManyMismatches` (reopen the connection), `.malformedFrame`; `TransportError`; `CancellationError`.
    package func send(
        unit: UnitID,
        request: ModbusRequest,
        timeout: Duration? = nil,
        requestGap: Duration? = nil
    ) async throws -> ModbusResponse {
        try PDUCodec.validate(request)
        if unit == UnitID.broadcast, case .readHoldingRegisters = request {
            throw ModbusError.invalidRequest(reason: "a read cannot be broadcast (unit 0): no device replies")
        }
        return try await transact(
            unit: unit,
            request: request,
            timeout: timeout ?? self.timeout,
            gap: requestGap ?? self.requestGap
        )
    }

    func record(_ update: (inout ModbusDiagnostics) -> Void) { update(&diagnostics) }
}
