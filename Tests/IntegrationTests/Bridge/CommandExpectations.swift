import Foundation
import MQTT
import TestSupport
import Testing

/// A command answer taken apart.
struct CommandReply {
    var json: [String: Any]
    var text: String
    var ok: Bool { json["status"] as? String == "ok" }
    var error: String { json["error"] as? String ?? "" }
    var id: String? { json["id"] as? String }
    var value: Any? { json["value"] }

    init?(_ payload: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            return nil
        }
        json = object
        text = payload
    }
}

extension BridgeHarness {
    /// Publishes `payload` to `<base>/<meter>/<key>/set` and returns the next answer on its result topic.
    func command(
        _ meter: String,
        _ key: String,
        _ payload: String,
        retain: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CommandReply {
        let resultTopic = "\(base)/\(meter)/\(key)/set/result"
        let before = log.on(resultTopic).count
        try await log.publish("\(base)/\(meter)/\(key)/set", payload, retain: retain)
        await eventually("an answer on \(resultTopic)", sourceLocation: sourceLocation) {
            log.on(resultTopic).count > before
        }
        return try #require(
            log.on(resultTopic).dropFirst(before).first.flatMap { CommandReply($0.payload) },
            sourceLocation: sourceLocation
        )
    }
}

/// Hex of a PDU as the manual writes it: `06 6048 0002` becomes [0x06, 0x60, 0x48, 0x00, 0x02].
func pdu(_ hex: String) -> [UInt8] {
    let digits = hex.filter(\.isHexDigit)
    return stride(from: 0, to: digits.count, by: 2).map { offset in
        let start = digits.index(digits.startIndex, offsetBy: offset)
        return UInt8(digits[start..<digits.index(start, offsetBy: 2)], radix: 16)!
    }
}
