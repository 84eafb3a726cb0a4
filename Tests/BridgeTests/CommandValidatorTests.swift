import Foundation
import PRO380
import Testing

@testable import Bridge

/// The command validator alone: every refusal happens here, before any bus.
@Suite struct CommandValidatorTests {
    let validator = CommandValidator()
    let now = Date(timeIntervalSince1970: 1_795_953_600)
    let everything = RegisterTable.pro380.writable.map(\.key)

    func validate(
        _ key: String,
        _ payload: String,
        protocol kind: BusLink.MeterProtocol = .modbus
    ) throws(CommandRejection)
        -> CommandValue
    {
        let request = CommandRequest(meter: "m", key: key, payload: Array(payload.utf8), receivedAt: now)
        return try validator.validate(request, allowedKeys: everything, meterProtocol: kind, meterName: "m").command
            .value
    }

    @Test(arguments: [
        ("tariff", "2", CommandValue.tariff(2, persist: true)),
        ("tariff", "t1", .tariff(1, persist: true)),
        ("tariff", #"{"value": "T2", "persist": false}"#, .tariff(2, persist: false)),
        ("modbus_id", "247", .integer(247)),
        ("baud_rate", #"{"value": 4800}"#, .integer(4800)),
        ("parity", "none", .named(name: "none", code: 2)),
        ("s0_output_rate", "0.01", .decimal(Decimal(string: "0.01")!)),
        ("s0_output_rate", #"{"value": 0.1}"#, .decimal(Decimal(string: "0.1")!)),
        ("combination_code", "11", .integer(11)),
        ("lcd_cycle_time", "30", .integer(30)),
        ("power_down_counter", "0", .integer(0)),
        ("resettable_day_energy", "0", .integer(0)),
    ])
    func acceptsTheManualsValues(key: String, payload: String, expected: CommandValue) throws {
        #expect(try validate(key, payload) == expected)
    }

    @Test(arguments: [
        ("tariff", "3", "tariff must be"),
        ("tariff", "", "empty"),
        ("modbus_id", "0", "from 1 to 247"),
        ("modbus_id", "2.5", "whole number"),
        ("baud_rate", "19200", "one of 300"),
        ("parity", "mark", "one of"),
        ("s0_output_rate", "5", "one of"),
        ("combination_code", "2", "one of"),
        ("lcd_cycle_time", "31", "from 1 to 30"),
        ("power_down_counter", "5", "one of 0"),
        ("combination_code", #"{"value": 9, "persist": false}"#, "persist applies to tariff only"),
        ("tariff", #"{"value": 2, "time": "2026-11-29T12:10:00Z"}"#, "in the future"),
        ("tariff", #"{"value": 2, "time": "2026-11-29T11:59:00Z"}"#, "older than"),
        ("tariff", #"{"value": 2, "time": "yesterday"}"#, "RFC 3339"),
        // Found by the command-payload fuzz target: Foundation's ISO 8601 parser died with SIGFPE on this time.
        ("tariff", #"{"value":1, "time":"2-5-2T12:0-1.7"# + String(repeating: "1", count: 98) + #"Z"}"#, "RFC 3339"),
        ("voltage_l1", "230", "read-only"),
        ("mbus_primary_address", "5", "cannot be written"),
        ("tariff", #"{"value": 2"#, "malformed JSON"),
    ])
    func refusesWithAReason(key: String, payload: String, message: String) {
        #expect {
            _ = try validate(key, payload)
        } throws: { error in
            (error as? CommandRejection)?.message.contains(message) == true
        }
    }

    @Test func aTimeWithinTheAllowedAgeIsAccepted() throws {
        #expect(try validate("tariff", #"{"value": 1, "time": "2026-11-29T11:59:45Z"}"#) == .tariff(1, persist: true))
    }

    @Test func persistFalseIsRefusedOverMBusAndEverythingOverTheOpticalPort() {
        #expect(throws: CommandRejection.self) {
            _ = try validate("tariff", #"{"value": 1, "persist": false}"#, protocol: .mbus)
        }
        #expect(throws: CommandRejection.self) { _ = try validate("tariff", "1", protocol: .iec62056) }
    }
}
