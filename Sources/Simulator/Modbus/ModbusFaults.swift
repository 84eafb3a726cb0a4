package import Modbus

/// Misbehaviour the simulated Modbus bus can put on, so tests can prove the bridge survives what real buses do.
///
/// Every fault is off by default. Faults that touch the RTU envelope (stray byte, CRC, echo) have no effect on
/// Modbus TCP, which has neither.
package struct ModbusFaults: Sendable, Equatable {
    /// Units that never reply (the request is still executed): the client sees a timeout.
    package var silentUnits: Set<UnitID>
    /// RTU: a `00` byte before every reply, as some RS-485 adapters produce when the driver switches direction.
    package var strayLeadingByte: Bool
    /// RTU: the reply's CRC is wrong (the last byte inverted).
    package var corruptCRC: Bool
    /// RTU: the request comes back before the reply, as on a 2-wire adapter that hears its own transmission.
    package var echoRequest: Bool
    /// The most registers one function-03 request may ask for; larger reads are refused with
    /// `tooManyRegistersException`. Real meters differ, and the manual does not say (`nil`: the protocol's 125).
    package var maximumRegistersPerRead: Int?
    /// The exception for a read above `maximumRegistersPerRead`: 02 or 03 (meters differ).
    package var tooManyRegistersException: ExceptionCode

    package init(
        silentUnits: Set<UnitID> = [],
        strayLeadingByte: Bool = false,
        corruptCRC: Bool = false,
        echoRequest: Bool = false,
        maximumRegistersPerRead: Int? = nil,
        tooManyRegistersException: ExceptionCode = .illegalDataValue
    ) {
        self.silentUnits = silentUnits
        self.strayLeadingByte = strayLeadingByte
        self.corruptCRC = corruptCRC
        self.echoRequest = echoRequest
        self.maximumRegistersPerRead = maximumRegistersPerRead
        self.tooManyRegistersException = tooManyRegistersException
    }
}
