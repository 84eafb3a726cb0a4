/// The baud rate identification character Z of protocol mode C (IEC 62056-21 clause 6.3.14, table for mode C).
///
/// In the identification message the meter proposes the highest rate it supports; in the acknowledgement/option
/// select message the HHU answers with the rate it wants (the proposed one, or `0` to stay at 300 baud).
package enum BaudRateCharacter {
    /// Mode C characters and their rates: `0` 300 ... `6` 19200.
    package static let modeC: [(character: UInt8, baudRate: Int)] = [
        (0x30, 300), (0x31, 600), (0x32, 1200), (0x33, 2400), (0x34, 4800), (0x35, 9600), (0x36, 19200),
    ]

    /// The rate a mode C baud character stands for, or `nil` for a mode A/B or reserved character.
    package static func baudRate(modeC character: UInt8) -> Int? {
        modeC.first { $0.character == character }?.baudRate
    }

    /// The mode C character for `baudRate`, or `nil` when mode C has no such rate.
    package static func character(modeC baudRate: Int) -> UInt8? {
        modeC.first { $0.baudRate == baudRate }?.character
    }
}
