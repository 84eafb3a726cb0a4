package import Foundation
package import Modbus
import Synchronization

/// Several simulated meters on one Modbus bus: decides, for each decoded request, which meter answers and what.
///
/// Pure apart from the meters' own state: the RTU and TCP servers decode frames, call `reply`, and write the bytes
/// it returns. A meter answers to the unit id in its current settings, so a Modbus-ID write moves it at once (the
/// reply to that write still carries the old id, as the request did). Broadcast writes (unit 0) go to every meter
/// and get no reply; a broadcast read is ignored. Faults can be changed while the bus runs.
package final class SimulatedModbusBus: Sendable {
    /// The meters on the bus.
    package let meters: [PRO380Model]
    private let faultState: Mutex<ModbusFaults>
    private let legacyState: Mutex<Bool>

    /// - Parameter legacyRegisterMap: the meters answer like firmware from before the manual's register map (see
    ///   `legacyRegisterMap`).
    package init(meters: [PRO380Model], faults: ModbusFaults = ModbusFaults(), legacyRegisterMap: Bool = false) {
        self.meters = meters
        self.faultState = Mutex(faults)
        self.legacyState = Mutex(legacyRegisterMap)
    }

    /// Whether the meters answer like PRO380 firmware from before the current register map (the manual, A3.1:
    /// "the old (V1.14) Modbus registers still can be used"; meters reported in the field refuse 0x4000 with
    /// exception 02). The manual does not give the old map's addresses, so none is served: every read and write is
    /// answered with exception 02 (illegal data address), the meter stays present on the bus. Can be switched
    /// while the bus runs (a firmware update).
    package var legacyRegisterMap: Bool {
        get { legacyState.withLock { $0 } }
        set { legacyState.withLock { $0 = newValue } }
    }

    /// The faults in force.
    package var faults: ModbusFaults {
        get { faultState.withLock { $0 } }
        set { faultState.withLock { $0 = newValue } }
    }

    /// The meter answering to `unit` now.
    package func meter(unit: UnitID) -> PRO380Model? {
        meters.first { $0.settings.modbusID == Int(unit) }
    }

    /// Executes `request` for `unit` and returns the response PDU bytes, or `nil` when nothing is to be sent
    /// (broadcast, no meter at `unit`, a silent unit).
    package func responsePDU(unit: UnitID, request: ModbusServerRequest, at now: Date) -> [UInt8]? {
        let faults = self.faults
        if unit == UnitID.broadcast {
            if case .request(let write) = request, write.functionCode != .readHoldingRegisters {
                for meter in meters { _ = execute(write, on: meter, faults: faults, at: now) }
            }
            return nil
        }
        guard let meter = meter(unit: unit) else { return nil }
        let pdu: [UInt8]
        switch request {
        case .refused(let functionByte, let code):
            pdu = PDUCodec.exception(functionByte: functionByte, code: code)
        case .request(let request):
            pdu = PDUCodec.encode(execute(request, on: meter, faults: faults, at: now))
        }
        return faults.silentUnits.contains(unit) ? nil : pdu
    }

    /// The bytes to send back for an RTU request frame (with the RTU faults applied), or `nil` for no reply.
    /// - Parameter requestFrame: the request as received, echoed back under `echoRequest`.
    package func rtuReply(to adu: ModbusADU<ModbusServerRequest>, requestFrame: [UInt8], at now: Date) -> [UInt8]? {
        guard let pdu = responsePDU(unit: adu.unit, request: adu.message, at: now) else { return nil }
        let faults = self.faults
        var frame = RTUFraming.encode(unit: adu.unit, pdu: pdu)
        if faults.corruptCRC { frame[frame.count - 1] ^= 0xFF }
        if faults.strayLeadingByte { frame.insert(0x00, at: 0) }
        if faults.echoRequest { frame = requestFrame + frame }
        return frame
    }

    /// The bytes to send back for a Modbus TCP request, or `nil` for no reply.
    package func tcpReply(to adu: ModbusADU<ModbusServerRequest>, at now: Date) -> [UInt8]? {
        guard let pdu = responsePDU(unit: adu.unit, request: adu.message, at: now) else { return nil }
        return TCPFraming.encode(transactionID: adu.transactionID ?? 0, unit: adu.unit, pdu: pdu)
    }

    private func execute(
        _ request: ModbusRequest,
        on meter: PRO380Model,
        faults: ModbusFaults,
        at now: Date
    )
        -> ModbusResponse
    {
        if legacyRegisterMap { return .exception(function: request.functionCode, code: .illegalDataAddress) }
        let result: Result<[UInt16], SimulatorError>
        switch request {
        case .readHoldingRegisters(let address, let count):
            if let limit = faults.maximumRegistersPerRead, count > limit {
                return .exception(function: request.functionCode, code: faults.tooManyRegistersException)
            }
            result = meter.holdingRegisters(address: address, count: count, at: now)
        case .writeSingleRegister(let address, let value):
            result = meter.writeRegisters(address: address, values: [value], function: 6, at: now).map { [] }
        case .writeMultipleRegisters(let address, let values):
            result = meter.writeRegisters(address: address, values: values, function: 16, at: now).map { [] }
        }
        switch result {
        case .success(let registers): return .success(for: request, registers: registers)
        case .failure(let error):
            return .exception(function: request.functionCode, code: ExceptionCode(rawValue: error.modbusExceptionCode))
        }
    }
}
