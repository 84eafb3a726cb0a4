package import Foundation
package import PRO380

/// The JSON answer to a command on `<base>/<meter>/<key>/set/result` (or the MQTT 5 response topic).
///
/// `{"status": "ok", "key": "tariff", "value": 2, "id": "abc", "time": "...", "detail": "read back 2 (saved)"}`
/// or `{"status": "error", "key": "tariff", "error": "tariff must be one of 1, 2, \"T1\", \"T2\"; got 3", ...}`.
package struct CommandAnswer: Sendable, Equatable {
    package var ok: Bool
    package var key: String
    package var value: MeterValue?
    package var id: String?
    package var message: String
    package var notice: String?
    package var time: Date

    package static func success(
        key: String,
        value: MeterValue,
        id: String?,
        confirmation: CommandConfirmation,
        at time: Date = Date()
    ) -> CommandAnswer {
        CommandAnswer(
            ok: true,
            key: key,
            value: value,
            id: id,
            message: confirmation.detail,
            notice: confirmation.notice,
            time: time
        )
    }

    package static func failure(key: String, id: String?, error: String, at time: Date = Date()) -> CommandAnswer {
        CommandAnswer(ok: false, key: key, value: nil, id: id, message: error, notice: nil, time: time)
    }

    package var json: String {
        var members: [(String, JSONValue)] = [("status", .string(ok ? "ok" : "error")), ("key", .string(key))]
        if let value { members.append(("value", JSONValue(value))) }
        members.append((ok ? "detail" : "error", .string(message)))
        if let notice { members.append(("notice", .string(notice))) }
        members.append(("id", .string(id)))
        members.append(("time", .string(Timestamp.rfc3339(time))))
        return JSONValue.object(members).text(.spaced)
    }
}
