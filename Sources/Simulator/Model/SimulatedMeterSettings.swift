package import Foundation

/// The settings and identity of one simulated PRO380: what the meter keeps in EEPROM.
///
/// Defaults follow the manual where it gives one (Modbus ID 1, 9600 baud, even parity, M-Bus primary address 0,
/// secondary address = the serial number, manual A2.1 and A3.1). Where it gives none the simulator chooses:
/// combination code 5 (forward + reverse, the code the manual's M-Bus example telegram was taken with: its total
/// 16048.14 kWh is forward 6913.46 + reverse 9134.68), S0 rate 1000 imp/kWh, LCD cycle time 10 s, CT ratio 1.
/// Everything here is written to the state file, except `unsavedTariff`.
package struct SimulatedMeterSettings: Codable, Sendable, Equatable {
    /// The serial number, 8 decimal digits (register 0x4000 reads them as hex digits: "13070042").
    package var serialNumber: String
    /// The Modbus unit id, 1 to 247.
    package var modbusID: Int
    /// The line speed of the communication port (Modbus: 300 to 9600, default 9600; M-Bus default 2400).
    package var baudRate: Int
    /// The Modbus parity: "even", "none" or "odd" (M-Bus is always even).
    package var parity: String
    /// The M-Bus primary address, 0 to 250.
    package var mbusPrimaryAddress: Int
    /// The M-Bus secondary address, 8 decimal digits.
    package var mbusSecondaryAddress: String
    /// The tariff saved in EEPROM, 1 or 2: the tariff after a restart.
    package var tariff: Int
    /// A tariff switched "not saved" (Modbus 11/12), 1 or 2, in force until the next write or restart.
    package var unsavedTariff: Int?
    /// How totals are computed from forward and reverse energy: 1, 4, 5, 6, 9, 10 or 11 (manual 7.11).
    package var combinationCode: Int
    /// The S0 output rate in imp/kWh: 10000, 2000, 1000, 100, 10, 1, 0.1 or 0.01.
    package var s0OutputRate: Decimal
    /// Seconds each LCD page shows, 1 to 30.
    package var lcdCycleTime: Int
    /// The CT ratio (CT models; 1 for direct connection).
    package var ctRatio: Int
    /// How many times the meter lost power (manual 7.15).
    package var powerDownCounter: Int
    /// The "PRO1 only" keys this meter answers (`voltage`, `current`, `error_code`); a PRO380 answers none.
    package var pro1OnlyKeys: Set<String>
    /// The meter code register 0x4002, four hex digits.
    package var meterCode: String
    package var protocolVersion: Decimal
    package var softwareVersion: Decimal
    package var hardwareVersion: Decimal
    /// The rated ("meter amps") current in A.
    package var ratedCurrent: Int
    /// The firmware checksum register 0x401B, eight hex digits.
    package var firmwareChecksum: String
    /// The active status word 0x401D, eight hex digits.
    package var statusWord: String
    /// The CT mode register 0x401F.
    package var ctMode: Int

    package init(
        serialNumber: String = "13070042",
        modbusID: Int = 1,
        baudRate: Int = 9600,
        parity: String = "even",
        mbusPrimaryAddress: Int = 0,
        mbusSecondaryAddress: String? = nil,
        tariff: Int = 1,
        combinationCode: Int = 5,
        s0OutputRate: Decimal = 1000,
        lcdCycleTime: Int = 10,
        ctRatio: Int = 1,
        powerDownCounter: Int = 0,
        pro1OnlyKeys: Set<String> = []
    ) {
        self.serialNumber = serialNumber
        self.modbusID = modbusID
        self.baudRate = baudRate
        self.parity = parity
        self.mbusPrimaryAddress = mbusPrimaryAddress
        self.mbusSecondaryAddress = mbusSecondaryAddress ?? serialNumber
        self.tariff = tariff
        self.unsavedTariff = nil
        self.combinationCode = combinationCode
        self.s0OutputRate = s0OutputRate
        self.lcdCycleTime = lcdCycleTime
        self.ctRatio = ctRatio
        self.powerDownCounter = powerDownCounter
        self.pro1OnlyKeys = pro1OnlyKeys
        self.meterCode = "0380"
        self.protocolVersion = 3
        self.softwareVersion = Decimal(string: "2.18")!
        self.hardwareVersion = 1
        self.ratedCurrent = 100
        self.firmwareChecksum = "5AC3E71B"
        self.statusWord = "00000000"
        self.ctMode = 0
    }

    /// The tariff in force: an unsaved switch, else the saved tariff.
    package var activeTariff: Int { unsavedTariff ?? tariff }

    /// The settings as they survive a power cycle: the unsaved tariff is gone.
    package var afterRestart: SimulatedMeterSettings {
        var copy = self
        copy.unsavedTariff = nil
        return copy
    }
}
