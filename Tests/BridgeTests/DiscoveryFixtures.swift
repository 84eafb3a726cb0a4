import Foundation
import PRO380
import TestSupport

@testable import Bridge

/// Meters as discovery sees them, for the payload tests.
enum DiscoveryFixtures {
    static let topics = TopicLayout(base: "pro380", clientID: "pro380-mqtt")

    /// A PRO380-Mod that published every row a real PRO380 answers (the PRO1-only rows refused).
    static func modbusMeter(
        combinationCode: Int? = 1,
        allow: [String] = ["tariff"],
        serial: String? = "13070042"
    ) -> MeterSnapshot {
        var entry = MeterLedger.Entry()
        let table = RegisterTable.pro380
        for row in table.modbusReadable where !(row.modbus!.pro1Only) { entry.units[row.key] = .some(row.unit) }
        if let serial { entry.identity["serial_number"] = .text(serial) }
        entry.identity["software_version"] = .decimal(Decimal(string: "1.18")!)
        if let combinationCode { entry.identity["combination_code"] = .integer(combinationCode) }
        let refused = Set(table.modbusReadable.filter { $0.modbus!.pro1Only }.map(\.key))
        return MeterSnapshot(
            name: "main",
            meterProtocol: .modbus,
            allowCommands: allow,
            entry: entry,
            refusedKeys: refused
        )
    }

    static func components(
        _ meter: MeterSnapshot,
        settings: HomeAssistantSettings = HomeAssistantSettings()
    ) -> [DiscoveryComponent] {
        MeterDiscovery(topics: topics, settings: settings).components(for: meter)
    }

    /// The single-component messages of `meter`, topic → payload.
    static func messages(
        _ meter: MeterSnapshot,
        settings: HomeAssistantSettings = HomeAssistantSettings()
    ) -> [String: String] {
        let builder = MeterDiscovery(topics: topics, settings: settings)
        return DiscoveryMessages(settings: settings, clientID: topics.clientID).messages(
            deviceID: DiscoveryID.meterDevice(serial: meter.idStem!),
            device: builder.device(for: meter)!,
            shared: builder.availability(meter: meter.name),
            components: builder.components(for: meter)
        )
    }

    /// The parsed payload of each message.
    static func parsed(_ messages: [String: String]) -> [String: [String: Any]] {
        messages.mapValues { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:] }
    }

    /// The config whose state topic is `<base>/main/<key>`.
    static func config(_ messages: [String: String], key: String) -> [String: Any]? {
        parsed(messages).values.first { $0["state_topic"] as? String == "pro380/main/\(key)" }
    }
}
