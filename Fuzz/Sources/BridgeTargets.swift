import Bridge
import Foundation
import PRO380

/// The bridge's text inputs: the YAML config and the command payloads that arrive over MQTT.
enum BridgeTargets {
    /// The input as a YAML config file in `configFolder`: a config that checks, or `ConfigurationErrors` (every
    /// problem with file, line and key); any other error is a finding, and so is a crash.
    @Sendable static func configuration(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        do {
            _ = try BridgeConfiguration.parse(yaml: text, file: configFolder + "/fuzz.yaml", environment: [:])
        } catch is ConfigurationErrors {
            return
        } catch {
            fatalError("config-yaml: \(type(of: error)) instead of ConfigurationErrors: \(error)")
        }
    }

    /// The folder the fuzzed config lives in, holding the files the seeds name (`ca.pem`, `c.pem`, `c.key`,
    /// `password`): the decoder checks that `tls.*` and `password_file` exist and are readable, so with them the
    /// inputs reach the rest of the TLS and password decoding (and a mutated name still takes the error path).
    /// The contents are never parsed by the config decoder, only by libmosquitto when connecting.
    static let configFolder: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pro380-fuzz-config").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["ca.pem", "c.pem", "c.key", "password"] {
            _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("fuzz\n".utf8))
        }
        return folder
    }()

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
