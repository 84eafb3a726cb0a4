import Foundation
import Modbus
import Simulator
import Testing

/// The bus's answers as bytes, without I/O: unit selection, broadcast, exceptions and fault injection.
@Suite struct SimulatedModbusBusTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func makeBus(faults: ModbusFaults = ModbusFaults()) throws -> SimulatedModbusBus {
        let meters = try SimulatorConfiguration.meters(count: 2).map {
            try PRO380Model(settings: $0, start: Self.start)
        }
        return SimulatedModbusBus(meters: meters, faults: faults)
    }

    func rtu(_ bus: SimulatedModbusBus, unit: UInt8, _ request: ModbusRequest) -> [UInt8]? {
        let frame = RTUFraming.encode(unit: unit, request: request)
        var decoder = RTURequestDecoder()
        decoder.append(frame)
        guard let adu = decoder.decode() else { return nil }
        return bus.rtuReply(to: adu, requestFrame: frame, at: Self.start)
    }

    @Test func eachUnitAnswersWithItsOwnSerialNumber() throws {
        let bus = try makeBus()
        let read = ModbusRequest.readHoldingRegisters(address: 0x4000, count: 2)
        #expect(rtu(bus, unit: 1, read) == RTUFraming.encode(unit: 1, pdu: [0x03, 0x04, 0x13, 0x07, 0x00, 0x01]))
        #expect(rtu(bus, unit: 2, read) == RTUFraming.encode(unit: 2, pdu: [0x03, 0x04, 0x13, 0x07, 0x00, 0x02]))
        #expect(rtu(bus, unit: 3, read) == nil)
    }

    @Test func pro1OnlyRowsAndOutOfRangeWritesAreExceptions() throws {
        let bus = try makeBus()
        #expect(
            rtu(bus, unit: 1, .readHoldingRegisters(address: 0x5000, count: 2))
                == RTUFraming.encode(unit: 1, pdu: [0x83, 0x02])
        )
        #expect(
            rtu(bus, unit: 1, .writeSingleRegister(address: 0x400F, value: 2))
                == RTUFraming.encode(unit: 1, pdu: [0x86, 0x03])
        )
        #expect(
            rtu(bus, unit: 1, .writeSingleRegister(address: 0x400F, value: 10))
                == RTUFraming.encode(unit: 1, request: .writeSingleRegister(address: 0x400F, value: 10))
        )
    }

    @Test func broadcastWritesReachEveryMeterWithoutReply() throws {
        let bus = try makeBus()
        #expect(rtu(bus, unit: 0, .writeSingleRegister(address: 0x6048, value: 2)) == nil)
        #expect(bus.meters.allSatisfy { $0.settings.activeTariff == 2 })
        #expect(rtu(bus, unit: 0, .readHoldingRegisters(address: 0x6048, count: 1)) == nil)
    }

    @Test func aNewModbusIDMovesTheMeter() throws {
        let bus = try makeBus()
        _ = rtu(bus, unit: 1, .writeSingleRegister(address: 0x4003, value: 10))
        #expect(bus.meter(unit: 10)?.settings.serialNumber == "13070001")
        #expect(rtu(bus, unit: 1, .readHoldingRegisters(address: 0x4003, count: 1)) == nil)
    }

    @Test func faults() throws {
        let read = ModbusRequest.readHoldingRegisters(address: 0x4003, count: 1)
        let clean = RTUFraming.encode(unit: 1, pdu: [0x03, 0x02, 0x00, 0x01])
        var corrupted = clean
        corrupted[corrupted.count - 1] ^= 0xFF
        #expect(rtu(try makeBus(faults: ModbusFaults(strayLeadingByte: true)), unit: 1, read) == [0x00] + clean)
        #expect(rtu(try makeBus(faults: ModbusFaults(corruptCRC: true)), unit: 1, read) == corrupted)
        #expect(
            rtu(try makeBus(faults: ModbusFaults(echoRequest: true)), unit: 1, read) == RTUFraming.encode(
                unit: 1,
                request: read
            ) + clean
        )
        let silent = try makeBus(faults: ModbusFaults(silentUnits: [1]))
        #expect(rtu(silent, unit: 1, .writeSingleRegister(address: 0x6048, value: 2)) == nil)
        #expect(silent.meters[0].settings.activeTariff == 2, "a silent unit still executes")
        #expect(rtu(silent, unit: 2, read) != nil)
        for code in [ExceptionCode.illegalDataAddress, .illegalDataValue] {
            let limited = try makeBus(
                faults: ModbusFaults(maximumRegistersPerRead: 40, tooManyRegistersException: code)
            )
            #expect(
                rtu(limited, unit: 1, .readHoldingRegisters(address: 0x6000, count: 42))
                    == RTUFraming.encode(unit: 1, pdu: [0x83, code.rawValue])
            )
            #expect(rtu(limited, unit: 1, .readHoldingRegisters(address: 0x6000, count: 40))?.count == 5 + 80)
        }
    }
}
