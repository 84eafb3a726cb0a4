import Logging
import Modbus
import PRO380

extension ModbusMeterDriver {
    /// The rows whose areas tell the maps apart: identity (0x4000) and energy (0x6000). Their addresses come from
    /// the register table.
    static let mapProbeKeys = ["serial_number", "active_energy_total"]

    /// Checks the register map: at first contact, when the meter's first answer is exception 02 (a meter whose
    /// first answer is registers is on the current map, at no extra cost), and before every poll while the meter is
    /// on the old map (one transaction, so availability stays true and a firmware update is noticed).
    ///
    /// The diagnosis goes into the outcome as a failure the meter's refusal explains (`refusedByMeter`): an explicit
    /// read answers with it, and the poller does not log it again (the driver logs it once, when it finds it).
    /// - Returns: `nil` when the meter answers the current map and the read may go on; otherwise the outcome to
    ///   return without reading: the meter on the old map (answered, nothing read), or no answer at all.
    func checkRegisterMap(priority: BusGate.Priority) async -> PollOutcome? {
        guard registerMap != .current else { return nil }
        // On the old map already, the identity area alone tells whether that is still so.
        let keys = registerMap == .legacyV114 ? Array(Self.mapProbeKeys.prefix(1)) : Self.mapProbeKeys
        switch await probeRegisterMap(keys, priority: priority) {
        case .current:
            if registerMap == .legacyV114 {
                logger.notice("the meter answers the current register map (A3.2) now: reading it again")
            }
            registerMap = .current
            return nil
        case .legacy:
            let news = registerMap != .legacyV114
            registerMap = .legacyV114
            let diagnosis = RegisterMap.legacyDiagnosis(unit: Int(unit))
            if news { logger.error("\(diagnosis)") }
            return PollOutcome(
                failures: [ReadFailure(keys: [], reason: diagnosis, refusedByMeter: true)],
                meterAnswered: true
            )
        case .noAnswer(let failure):
            return PollOutcome(failures: [failure], meterAnswered: false)
        }
    }

    private enum MapProbe {
        case current
        case legacy
        case noAnswer(ReadFailure)
    }

    /// Reads the probe rows in turn: the first that answers proves the current map; exception 02 to all of them,
    /// from a meter that evidently answers, is the old map's signature. Another exception is an answer that says
    /// nothing about the map (the poll learns the rest).
    private func probeRegisterMap(_ keys: [String], priority: BusGate.Priority) async -> MapProbe {
        for key in keys {
            guard let mapping = table[key]?.modbus else { continue }
            let span = RegisterSpan(address: mapping.address, count: mapping.count)
            do {
                _ = try await readBlock(
                    ReadBlock(address: span.address, count: span.count, spans: [span]),
                    priority: priority
                )
                return .current
            } catch ModbusError.exception(_, .illegalDataAddress) {
                continue
            } catch ModbusError.exception {
                return .current
            } catch {
                return .noAnswer(ReadFailure(keys: [], reason: "\(error)"))
            }
        }
        return .legacy
    }
}
