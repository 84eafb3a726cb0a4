package import Foundation
package import MBus
import PRO380

/// One PRO380-Mb on a simulated M-Bus: the model plus the link-layer state a slave keeps (EN 13757-2).
///
/// - FCB: a REQ_UD2 with FCV set whose FCB equals the previous one repeats the last telegram unchanged (the master
///   lost it); a toggled FCB makes a new telegram with the next access number. After SND_NKE the slave expects
///   FCB = 1 first (a request with FCB = 0 then still gets a fresh telegram, there is nothing to repeat).
/// - Selection: a CI 52 telegram whose mask matches selects the meter, one that does not deselects it; SND_NKE
///   to 253 deselects it after answering.
/// - The telegram: CI 72 with the fixed header (identification = the M-Bus secondary address, BCD least
///   significant byte first; manufacturer INM as `CD 25`; version; medium 02; access number; status) and the
///   nine energy records of the manual (DIF 0C/1C/2C, DIFE 10/20, VIF 04, 8 BCD digits of 10 Wh).
package struct SimulatedMBusMeter: Sendable {
    package let model: PRO380Model
    /// The version byte of the header ("Major version of the software", manual A2.2).
    package var version: UInt8
    /// The status byte: 00 OK, 02 error.
    package var status: UInt8
    /// The access number of the last telegram sent.
    package private(set) var accessNumber: UInt8
    var lastFCB: Bool?
    var lastTelegram: MBusFrame?
    var selected = false

    package init(model: PRO380Model, version: UInt8 = 1, status: UInt8 = 0, accessNumber: UInt8 = 1) {
        self.model = model
        self.version = version
        self.status = status
        self.accessNumber = accessNumber &- 1
    }

    /// The primary address the meter listens on now.
    package var primaryAddress: UInt8 { UInt8(clamping: model.settings.mbusPrimaryAddress) }

    /// The secondary address the meter answers a selection with, and sends in its header.
    package var secondaryAddress: SecondaryAddress {
        let digits = model.settings.mbusSecondaryAddress
        return
            (try? SecondaryAddress(
                identification: digits,
                manufacturer: .inepro,
                version: version,
                medium: FixedDataHeader.electricity
            ))
            ?? SecondaryAddress.anyMeter
    }

    /// Whether `mask` (CI 52 data: identification with F wildcards, manufacturer, version, medium) selects it.
    package func matches(_ mask: [UInt8]) -> Bool {
        guard mask.count == 8 else { return false }
        let own = secondaryAddress.wireBytes
        for index in 0..<4 {
            for shift in [0, 4] where (mask[index] >> shift) & 0x0F != 0x0F {
                if (mask[index] >> shift) & 0x0F != (own[index] >> shift) & 0x0F { return false }
            }
        }
        if !(mask[4] == 0xFF && mask[5] == 0xFF), mask[4] != own[4] || mask[5] != own[5] { return false }
        if mask[6] != 0xFF, mask[6] != own[6] { return false }
        if mask[7] != 0xFF, mask[7] != own[7] { return false }
        return true
    }

    /// SND_NKE: the link layer starts over.
    package mutating func reset() {
        lastFCB = false
        lastTelegram = nil
    }

    /// A SND_UD with FCV set: the FCB sequence is shared by every FCV frame, so the next REQ_UD2 with the same FCB
    /// is not a repeat of an older telegram.
    package mutating func noteSendUserData(fcb: Bool) {
        lastFCB = fcb
        lastTelegram = nil
    }

    /// The RSP_UD for a REQ_UD2 with `control` sent to `address`, at `now`.
    package mutating func respond(to control: ControlField, address: UInt8, at now: Date) -> MBusFrame {
        if control.fcv, let lastFCB, lastFCB == control.fcb, let lastTelegram { return lastTelegram }
        accessNumber &+= 1
        let frame = MBusFrame.long(
            control: .rspUD(),
            address: address == MBusPrimaryAddress.networkLayer ? primaryAddress : address,
            ci: ControlInformation.variableDataResponse,
            data: telegramData(at: now)
        )
        if control.fcv {
            lastFCB = control.fcb
            lastTelegram = frame
        }
        return frame
    }

    /// The variable data (after CI 72) of a new telegram at `now`.
    package func telegramData(at now: Date) -> [UInt8] {
        let header = FixedDataHeader(address: secondaryAddress, accessNumber: accessNumber, status: status)
        let values = model.values(at: now)
        let records: [MBusDataRecord] = model.table.mbusRecords.compactMap { row in
            guard let mapping = row.mbus, let value = values[row.key]?.doubleValue else { return nil }
            // Eight BCD digits of 10 Wh: the register rolls over at 1 000 000 kWh, as the display does.
            let tenWattHours = Decimal(Int64((value * 100).rounded()) % 100_000_000)
            return MBusDataRecord(
                dib: DataInformationBlock(
                    coding: .bcd8,
                    functionField: mapping.functionField,
                    tariff: UInt32(mapping.tariff)
                ),
                vib: ValueInformationBlock(vif: mapping.vif),
                value: .number(tenWattHours)
            )
        }
        let structure = VariableDataStructure(header: .long(header), records: records)
        return (try? VariableDataEncoder.encode(structure)) ?? []
    }
}
