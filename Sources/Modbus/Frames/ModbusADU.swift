/// An application data unit as decoded from the wire: the addressed unit, the TCP transaction (if any), and the
/// PDU message (`ModbusResponse` on the client side, `ModbusServerRequest` on the server side).
///
/// RTU (Modbus over Serial Line V1.02, 2.5.1): `unit | PDU | CRC lo | CRC hi`, `transactionID` is `nil`.
/// TCP (Modbus Messaging on TCP/IP V1.0b, 3.1.3): `MBAP (7 bytes) | PDU`, `transactionID` from the MBAP header.
package struct ModbusADU<Message: Sendable & Equatable>: Sendable, Equatable {
    /// The unit (slave address) the frame comes from or goes to.
    package var unit: UnitID
    /// The MBAP transaction identifier; `nil` in RTU framing.
    package var transactionID: UInt16?
    /// The decoded PDU.
    package var message: Message

    package init(unit: UnitID, transactionID: UInt16? = nil, message: Message) {
        self.unit = unit
        self.transactionID = transactionID
        self.message = message
    }
}

/// A request as a server (the simulator) receives it: either a request it can execute, or one it must refuse
/// with an exception because the frame was well delimited but its content is not allowed.
package enum ModbusServerRequest: Sendable, Equatable {
    /// A valid request to execute.
    case request(ModbusRequest)
    /// Answer `functionByte | 0x80` with `code`: 01 for an unsupported function, 03 for a quantity or byte
    /// count outside the limits (Modbus Application Protocol V1.1b3, 6.3 and 6.12 state diagrams).
    case refused(functionByte: UInt8, code: ExceptionCode)
}
