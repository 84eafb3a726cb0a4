import Bridge
import Foundation
import PRO380

/// The bridge's text inputs: the YAML config and the command payloads that arrive over MQTT.
enum BridgeTargets {
    /// The input as a YAML config file (errors are expected; crashes are not).
    @Sendable static func configuration(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        _ = try? BridgeConfiguration.parse(yaml: text, file: "fuzz.yaml", environment: [:])
    }

    static let writableKeys = RegisterTable.pro380.writable.map(\.key)
    static let protocols: [BusLink.MeterProtocol] = [.modbus, .mbus, .iec62056]
    static let validator = CommandValidator()
    static let now = Date(timeIntervalSince1970: 1_795_953_600)

    /// Byte 0 picks the key (every writable one, and an unknown one), byte 1 the meter protocol and the retain
    /// flag; the rest is the payload of `<base>/<meter>/<key>/set`.
    @Sendable static func commandPayload(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let keys = writableKeys + ["voltage_l1", "no_such_key"]
        let request = CommandRequest(
            meter: "m",
            key: keys[Int(input[0]) % keys.count],
            payload: Array(input[2...]),
            retained: input[1] & 0x80 != 0,
            receivedAt: now
        )
        _ = try? validator.validate(
            request,
            allowedKeys: writableKeys,
            meterProtocol: protocols[Int(input[1] & 0x7F) % protocols.count],
            meterName: "m"
        )
    }
}
