package import PRO380

/// Everything discovery needs to know about one configured meter at one moment.
package struct MeterSnapshot: Sendable, Equatable {
    /// The configured name (the topic level).
    package var name: String
    /// The protocol it is read with (decides the model variant and which settings can be written).
    package var meterProtocol: BusLink.MeterProtocol
    /// The keys MQTT commands may write (`allow_commands`).
    package var allowCommands: [String]
    /// What was published for it.
    package var entry: MeterLedger.Entry
    /// The keys the meter refused (`MeterDriver.refusedKeys()`).
    package var refusedKeys: Set<String>
    /// Set when an earlier meter of the config reads the same serial number (`SharedSerials`): goes into the ids.
    package var qualifier: String?

    package init(
        name: String,
        meterProtocol: BusLink.MeterProtocol,
        allowCommands: [String],
        entry: MeterLedger.Entry,
        refusedKeys: Set<String> = [],
        qualifier: String? = nil
    ) {
        self.name = name
        self.meterProtocol = meterProtocol
        self.allowCommands = allowCommands
        self.entry = entry
        self.refusedKeys = refusedKeys
        self.qualifier = qualifier
    }

    /// The serial number read from the meter, once known. A meter on a listen-only bus, whose master may never read
    /// the serial number, goes by `listen_<name>` until it does (its entities then move to the serial's device).
    package var serial: String? {
        entry.identity["serial_number"]?.description ?? (meterProtocol == .modbusListen ? "listen_" + name : nil)
    }

    /// What its Home Assistant ids start from: the serial number, and the qualifier when it has one
    /// (`13070042` or `13070042_main-optical`).
    package var idStem: String? { serial.map { serial in qualifier.map { "\(serial)_\($0)" } ?? serial } }

    /// The combination code read from the meter, once known.
    package var combinationCode: Int? {
        guard let value = entry.identity["combination_code"]?.doubleValue, value == value.rounded() else { return nil }
        return Int(value)
    }

    /// The keys that get an entity: published at least once and not refused, in table order (others after, sorted).
    package var publishedKeys: [String] {
        let keys = entry.units.keys.filter { !refusedKeys.contains($0) }
        let order = Dictionary(
            RegisterTable.pro380.definitions.enumerated().map { ($1.key, $0) },
            uniquingKeysWith: { a, _ in a }
        )
        return keys.sorted { (order[$0] ?? Int.max, $0) < (order[$1] ?? Int.max, $1) }
    }

    /// Whether a command may write `key` on this meter: allowed in the config and writable over its protocol.
    package func canWrite(_ definition: RegisterDefinition) -> Bool {
        guard let spec = definition.write, allowCommands.contains(definition.key), !refusedKeys.contains(definition.key)
        else {
            return false
        }
        switch meterProtocol {
        case .modbus: return spec.modbus != nil
        case .mbus: return spec.mbus != nil
        case .iec62056, .modbusListen: return false
        }
    }

    /// "PRO380-Mod", "PRO380-Mb" or "PRO380 (optical port)".
    package var model: String {
        switch meterProtocol {
        case .modbus, .modbusListen: return "PRO380-Mod"
        case .mbus: return "PRO380-Mb"
        case .iec62056: return "PRO380 (optical port)"
        }
    }
}
