/// The acknowledgement/option select message: `ACK V Z Y CR LF`.
///
/// IEC 62056-21 clause 6.3.3. `V` is the protocol control character (`0` normal protocol), `Z` the baud rate
/// character (mode C: `0`..`6`, see `BaudRateCharacter`), `Y` the mode control character (`0` data readout,
/// `1` programming mode). A data readout at the proposed rate is `ACK 0 Z 0`; staying at 300 baud is `ACK 0 0 0`.
package struct OptionSelectMessage: Sendable, Equatable, Hashable {
    /// Mode control character `Y` = `0`: data readout.
    package static let dataReadout: UInt8 = 0x30
    /// Protocol control character `V` = `0`: normal protocol procedure.
    package static let normalProtocol: UInt8 = 0x30

    package var protocolControl: UInt8
    package var baudCharacter: UInt8
    package var modeControl: UInt8

    package init(protocolControl: UInt8 = normalProtocol, baudCharacter: UInt8, modeControl: UInt8 = dataReadout) {
        self.protocolControl = protocolControl
        self.baudCharacter = baudCharacter
        self.modeControl = modeControl
    }

    /// A data readout request at the mode C rate `baudRate`, or `nil` when mode C has no such rate.
    package init?(dataReadoutAt baudRate: Int) {
        guard let z = BaudRateCharacter.character(modeC: baudRate) else { return nil }
        self.init(baudCharacter: z)
    }

    /// The mode C rate the message selects, or `nil` for a non-mode-C character.
    package var baudRate: Int? { BaudRateCharacter.baudRate(modeC: baudCharacter) }

    /// Parses `ACK V Z Y` (the line without CR LF).
    /// - Returns: `nil` when the bytes are not an option select message.
    package init?(line: [UInt8]) {
        guard line.count == 4, line[0] == ControlCharacter.ack else { return nil }
        self.init(protocolControl: line[1], baudCharacter: line[2], modeControl: line[3])
    }
}
