/// The control and framing characters of IEC 62056-21 (clause 6.3, ISO/IEC 646 7-bit code).
package enum ControlCharacter {
    /// Start of header: opens a programming-mode command message (not used by a data readout).
    package static let soh: UInt8 = 0x01
    /// Start of text: opens the data message.
    package static let stx: UInt8 = 0x02
    /// End of text: closes the data message; the BCC follows.
    package static let etx: UInt8 = 0x03
    /// Acknowledge: opens the acknowledgement/option select message.
    package static let ack: UInt8 = 0x06
    /// Carriage return, first character of every line end.
    package static let cr: UInt8 = 0x0D
    /// Line feed, second character of every line end.
    package static let lf: UInt8 = 0x0A
    /// `/`: start character of the request and identification messages.
    package static let start: UInt8 = 0x2F
    /// `?`: transmission request command.
    package static let request: UInt8 = 0x3F
    /// `!`: end character of the request message and of the data block.
    package static let end: UInt8 = 0x21
    /// `\`: escape character before an enhanced capability character in the identification message.
    package static let escape: UInt8 = 0x5C
}
