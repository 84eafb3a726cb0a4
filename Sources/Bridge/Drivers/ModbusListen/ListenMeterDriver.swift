import Modbus
import PRO380

/// A meter on a listen-only bus as the poller sees it: each poll returns what was heard of it since the last one.
///
/// Polling never touches the line: `poll` drains the meter's `ListenedMeter` in the `ModbusListener`, so the
/// meter's intervals decide how often the newest heard values are published, and "answered" means a reply of its
/// unit was heard in the interval (availability follows the master's traffic). `read` (an MQTT `get`) answers
/// from the newest values heard, with the times they were heard. Writes are refused: the bridge never transmits
/// here (the command validator refuses them before they get this far).
struct ListenMeterDriver: MeterDriver {
    let unit: UnitID
    let listener: ModbusListener

    func poll(groups: Set<PollGroup>) async -> PollOutcome { await listener.collect(unit: unit) }

    func read(keys: [String]) async -> PollOutcome { await listener.lastKnown(unit: unit, keys: keys) }

    func write(_ command: MeterCommand) async throws -> CommandConfirmation {
        throw CommandError.notSupported(key: command.key, protocolName: BusLink.MeterProtocol.modbusListen.displayName)
    }

    func refusedKeys() async -> Set<String> { [] }

    func diagnostics() async -> MeterDiagnostics { await listener.diagnostics(unit: unit) }
}
