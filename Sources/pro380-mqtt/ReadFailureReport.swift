import Bridge
import Foundation
import PRO380

/// What `read` says when it reads nothing: the human text on standard error and, with `--json`, one JSON object
/// on standard output, so a script that parses standard output gets JSON whatever happened:
///
/// ```json
/// {
///   "error": "could not read the meter on /dev/ttyUSB0: /dev/ttyUSB0: flock failed: ...",
///   "bus": "modbus_rtu", "endpoint": "/dev/ttyUSB0", "line": "9600 8E1", "timeout": "500ms", "address": 1,
///   "tried": [{"keys": ["serial_number", ...], "reason": "..."}]
/// }
/// ```
///
/// `bus` is the config key of the link, `line` the serial settings asked for (absent over TCP), the address fields
/// those given (`address`, `secondary_address`, `device_address`), `register_map` the map the meter answered with
/// when it is one the bridge does not read, and `tried` every read that failed with its reason (without the
/// endpoint, which `endpoint` names).
struct ReadFailureReport {
    /// The one-line error, as the human text says it.
    var error: String
    var bus: BusConfiguration
    var failures: [ReadFailure]
    var registerMap: RegisterMap?

    /// The report as one JSON object (the `ReadingTable.json` layout: one member a line).
    var json: String {
        let link = bus.link
        var members: [(String, JSONValue)] = [
            ("error", .string(error)), ("bus", .string(link.configKey)), ("endpoint", .string(link.endpoint)),
        ]
        if let settings = link.serialSettings { members.append(("line", .string("\(settings)"))) }
        members.append(("timeout", .string(DurationText.format(bus.timeout))))
        if let meter = bus.meters.first {
            if let address = meter.address { members.append(("address", .number(String(address)))) }
            if let secondary = meter.secondaryAddress { members.append(("secondary_address", .string(secondary))) }
            if let device = meter.deviceAddress { members.append(("device_address", .string(device))) }
        }
        if let registerMap { members.append(("register_map", .string(registerMap.rawValue))) }
        let tried = failures.map { failure in
            JSONValue.object([
                ("keys", .array(failure.keys.map { .string($0) })),
                ("reason", .string(OneShotError.withoutEndpoint(failure.reason, link.endpoint))),
            ])
        }
        members.append(("tried", .array(tried)))
        return JSONValue.object(members).text(.lines)
    }

    /// "could not read the meter on ENDPOINT: REASON", the endpoint said once: a transport's reason begins with its
    /// endpoint already ("127.0.0.1:1: cannot connect: Connection refused"), which is dropped here.
    static func couldNotRead(endpoint: String, reason: String?) -> String {
        "could not read the meter on \(endpoint): \(OneShotError.withoutEndpoint(reason ?? "nothing read", endpoint))"
    }

    /// Writes the human text (`text`, the error when nil) to standard error and, when `json`, the JSON object to
    /// standard output.
    func write(json: Bool, text: String? = nil) {
        OneShotError.write(text ?? error)
        if json { Console.write(self.json) }
    }
}
