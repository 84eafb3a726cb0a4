import Foundation
package import PRO380

/// Checks a command against the register table and the meter's `allow_commands` before anything touches a bus.
///
/// Accepted payloads (see README "Switching tariffs"): a plain value (`2`, `T2`, `none`, `0.1`) or a JSON object
/// `{"value": 2, "id": "abc", "persist": false, "time": "2026-11-29T12:00:00Z"}`. `persist` is for the tariff
/// only (`false` writes the "not saved" codes 11/12). Refused, with an answer that says what is allowed: unknown or
/// read-only keys, keys not in `allow_commands`, values outside the manual's set, malformed JSON, wrong types,
/// unknown fields, payloads over 1 KiB, retained messages, and messages whose `time` is older than `maxAge`.
package struct CommandValidator: Sendable {
    /// Payloads above this size are refused unread.
    package static let maximumPayloadSize = 1024

    package var table: RegisterTable
    /// The longest a command may wait between its `time` and its arrival (default 30 s).
    package var maxAge: Duration

    package init(table: RegisterTable = .pro380, maxAge: Duration = .seconds(30)) {
        self.table = table
        self.maxAge = maxAge
    }

    /// Validates `request` for a meter that allows `allowedKeys` and speaks `meterProtocol`.
    /// - Throws: `CommandRejection` with the reason and, when it could be read, the command's id.
    package func validate(
        _ request: CommandRequest,
        allowedKeys: [String],
        meterProtocol: BusLink.MeterProtocol,
        meterName: String
    ) throws(CommandRejection) -> ValidatedCommand {
        guard request.payload.count <= Self.maximumPayloadSize else {
            throw CommandRejection(
                "payload of \(request.payload.count) bytes is too large (at most \(Self.maximumPayloadSize))"
            )
        }
        let parsed = try CommandPayload.parse(request.payload)
        let id = parsed.id
        func reject(_ message: String) -> CommandRejection { CommandRejection(message, id: id) }

        if request.retained {
            throw reject(
                "retained command messages are never executed (the broker replays them on every subscribe): publish "
                    + "without the retain flag, and clear the retained message with an empty retained payload"
            )
        }
        if let time = parsed.time {
            let age = request.receivedAt.timeIntervalSince(time)
            let limit = Double(maxAge.components.seconds) + Double(maxAge.components.attoseconds) / 1e18
            if age > limit {
                throw reject(
                    "command time \(Timestamp.rfc3339(time)) is \(Int(age)) s old, older than the allowed \(Int(limit)) s: not executed"
                )
            }
            if -age > limit {
                throw reject(
                    "command time \(Timestamp.rfc3339(time)) is \(Int(-age)) s in the future (allowed \(Int(limit)) s): "
                        + "check the clocks of the sender and the bridge; not executed"
                )
            }
        }
        guard let definition = table[request.key] else {
            throw reject(
                "unknown key \(request.key); writable keys: \(writableKeys(meterProtocol))"
            )
        }
        if meterProtocol == .iec62056 {
            throw reject(
                "meter \(meterName) is read over the optical port (IEC 62056-21), which is read-only: nothing can be written"
            )
        }
        if meterProtocol == .modbusListen {
            throw reject(
                "meter \(meterName) is on a listen-only bus (modbus_rtu_listen): the bridge only listens to another "
                    + "master's traffic and never transmits there, so nothing can be written"
            )
        }
        guard let spec = definition.write else {
            throw reject(
                "\(request.key) is read-only; writable keys: \(writableKeys(meterProtocol))"
            )
        }
        guard meterProtocol.canWrite(spec) else {
            throw reject("\(request.key) cannot be written on meter \(meterName) over \(meterProtocol.displayName)")
        }
        guard allowedKeys.contains(request.key) else {
            throw reject(
                "\(request.key) is not enabled for meter \(meterName): add it to the meter's allow_commands in the config "
                    + "file (allow_commands: [\((allowedKeys + [request.key]).joined(separator: ", "))])"
            )
        }
        if parsed.persist != nil && spec.allowed != .tariff {
            throw reject("persist applies to tariff only")
        }
        let value: CommandValue
        do {
            value = try CommandValueParser.parse(parsed.value, allowed: spec.allowed, persist: parsed.persist ?? true)
        } catch {
            throw reject(
                "\(request.key) must be \(spec.allowed.description); got \(parsed.value.description): \(error.message)"
            )
        }
        if meterProtocol == .mbus, case .tariff(_, persist: false) = value {
            throw reject("persist: false is not available over M-Bus (the PRO380-Mb always saves the tariff)")
        }
        return ValidatedCommand(command: MeterCommand(key: request.key, value: value, definition: definition), id: id)
    }
}

extension CommandValidator {
    /// The keys `meterProtocol` can write, for error answers.
    func writableKeys(_ meterProtocol: BusLink.MeterProtocol) -> String {
        table.writable.filter { $0.write.map(meterProtocol.canWrite) ?? false }.map(\.key).joined(separator: ", ")
    }
}

extension BusLink.MeterProtocol {
    /// Whether this protocol carries a write of `spec` (the table's per-protocol encodings).
    package func canWrite(_ spec: WriteSpecification) -> Bool {
        switch self {
        case .modbus: return spec.modbus != nil
        case .mbus: return spec.mbus != nil
        case .iec62056, .modbusListen: return false
        }
    }

    /// "Modbus", "M-Bus", "IEC 62056-21".
    package var displayName: String {
        switch self {
        case .modbus: return "Modbus"
        case .mbus: return "M-Bus"
        case .iec62056: return "IEC 62056-21 (the optical port is read-only)"
        case .modbusListen: return "Modbus, listen-only (the bridge never transmits on this bus)"
        }
    }
}
