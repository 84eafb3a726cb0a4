import Foundation
import Logging
import MQTT
import TestSupport
import Testing

@testable import Bridge

/// A config file with several mistakes: every one reported at once, each with file, line and key (issue 11).
@Suite struct ConfigurationProblemsTests {
    let bus =
        "buses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n      - {name: m, address: 1}\n"

    func problems(_ yaml: String, file: String = "c.yaml", root: String? = nil) -> [ConfigurationError] {
        do {
            _ = try BridgeConfiguration.parse(yaml: yaml, file: file, root: root)
            return []
        } catch let errors as ConfigurationErrors {
            return errors.errors
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    /// A key given twice in one mapping: the file, the second one's line, the key's full path and where the first
    /// one is, without the file quoted.
    @Test func aKeyGivenTwiceNamesItsLineAndKey() {
        let yaml = "mqtt: {host: 127.0.0.1}\n" + bus + "      - {name: n, address: 2, interval: 2s, interval: 3s}\n"
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.line == 7)
        #expect(found.first?.key == "buses[0].meters[1].interval")
        let text = found.first?.description ?? ""
        #expect(
            text == "c.yaml:7: buses[0].meters[1].interval: given twice in one mapping (first at line 7, column 31); "
                + "YAML allows each key once: keep one",
            "\(text)"
        )
        #expect(!text.contains("modbus_tcp"), "the file's text is not quoted: \(text)")
    }

    /// In block mappings over several lines, in the second bus: the line of the second occurrence, the first's line
    /// and column, the full path; a quoted key and a second duplicate elsewhere in the file are placed too.
    @Test func keysGivenTwiceInBlockMappingsNameTheirPathsAndBothPlaces() {
        let yaml = """
            mqtt:
              host: 127.0.0.1
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502}
                meters: [{name: m, address: 1}]
              - name: b
                modbus_tcp: {host: 127.0.0.2, port: 502}
                meters:
                  - name: x
                    address: 1
                    name: "y"
                  - name: z
                    "address": 2
                    interval: 10s
                    address: 3
            """
        let found = problems(yaml, file: "b.yaml")
        #expect(
            found.map(\.summary) == [
                "b.yaml:12: buses[1].meters[0].name: given twice in one mapping (first at line 10, column 9); "
                    + "YAML allows each key once: keep one",
                "b.yaml:16: buses[1].meters[1].address: given twice in one mapping (first at line 14, column 9); "
                    + "YAML allows each key once: keep one",
            ],
            "\(found)"
        )
    }

    /// A key given twice and, further down, broken YAML: both are reported (the duplicate could be named only in
    /// Yams's terms, since no tree can be made of the file), in file order.
    @Test func aKeyGivenTwiceAndALaterSyntaxErrorAreBothReported() {
        let yaml = """
            mqtt:
              host: 127.0.0.1
              host: 127.0.0.2
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502
                meters:
                  - {name: m1, address: 1}
            """
        let found = problems(yaml, file: "d.yaml")
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.line == 2)
        #expect(found.first?.key == "host")
        #expect(found.first?.summary.contains("given twice in one mapping") == true, "\(found)")
        #expect(found.last?.line == 7)
        #expect(found.last?.summary.contains("not valid YAML") == true, "\(found)")
        #expect(found.last?.summary.contains("is not closed") == true, "\(found)")
    }

    /// Broken YAML: the line Yams points at, no key, the problem on one line (what the log says) and Yams's quote of
    /// the line with its caret after it (what `check-config` prints).
    @Test func brokenYAMLIsOneLineWithTheQuoteApart() throws {
        let found = problems("mqtt: {host: 127.0.0.1}\nbuses\ndiagnostics_interval: 1s\n")
        #expect(found.count == 1, "\(found)")
        let problem = try #require(found.first)
        #expect(problem.line == 3 && problem.key == "", "\(problem)")
        #expect(problem.summary.hasPrefix("c.yaml:3: not valid YAML: "), "\(problem.summary)")
        #expect(
            problem.summary.hasSuffix(
                "while scanning a simple key in line 2, column 1: could not find expected ':' (column 1)"
            ),
            "\(problem.summary)"
        )
        #expect(!problem.summary.contains("\n"), "\(problem.summary)")
        let excerpt = try #require(problem.excerpt)
        #expect(excerpt.split(separator: "\n") == ["diagnostics_interval: 1s", "^"], "\(excerpt)")
        #expect(problem.description == "\(problem.summary)\n\(excerpt)")
        #expect(problem.logMetadata == ["file": "c.yaml", "line": "3"])
    }

    /// An unclosed `{`: libyaml notices it on a later line, which is quoted as Yams points at it, and the problem
    /// says where the `{` was opened, whose line is quoted too with its caret under the `{`.
    @Test func anUnclosedFlowMappingSaysWhereItWasOpened() throws {
        let found = problems("mqtt: {host: 127.0.0.1, port: 1883\nbuses:\n  - name: a\n")
        let problem = try #require(found.first, "\(found)")
        #expect(found.count == 1 && problem.line == 2 && problem.key == "", "\(found)")
        #expect(
            problem.summary
                == "c.yaml:2: not valid YAML: did not find expected ',' or '}' (column 6): the flow mapping '{' opened "
                + "at line 1, column 7 is not closed",
            "\(problem.summary)"
        )
        let excerpt = try #require(problem.excerpt)
        #expect(
            excerpt.split(separator: "\n") == [
                "buses:", "     ^", "mqtt: {host: 127.0.0.1, port: 1883", "      ^ opened here",
            ],
            "\(excerpt)"
        )
    }

    /// At the end of the file libyaml's mark is past the last line: no line is quoted as the mistake (Yams quoted the
    /// last line with a caret at column 1), the problem says "at the end of the file", and the line is the `[`'s.
    @Test func anUnclosedFlowSequenceAtTheEndOfTheFileIsNotPinnedOnTheLastLine() throws {
        let yaml = """
            mqtt: {host: 127.0.0.1}
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502}
                meters: [{name: m, address: 1}

            """
        let found = problems(yaml)
        let problem = try #require(found.first, "\(found)")
        #expect(found.count == 1 && problem.line == 5, "\(found)")
        #expect(
            problem.message == "not valid YAML: did not find expected ',' or ']' at the end of the file: the flow "
                + "sequence '[' opened at line 5, column 13 is not closed",
            "\(problem.message)"
        )
        let excerpt = try #require(problem.excerpt)
        #expect(excerpt.split(separator: "\n") == ["    meters: [{name: m, address: 1}", "            ^ opened here"])
    }

    @Test func everyMistakeOfTheFileIsReportedWithLineAndKey() {
        let yaml = """
            mqtt: {host: 127.0.0.1, keepalive: 30}
            diagnostics_interval: 1m
            buses:
              - name: basement
                modbus_rtu: {device: /dev/ttyUSB0, baud: 19200}
                timeout: 500
                meters:
                  - {name: main, adress: 1}
                  - {name: kitchen, address: 2, interval: 10s}
            """
        let found = problems(yaml)
        #expect(found.map(\.line) == [1, 5, 6, 8], "\(found)")
        #expect(
            found.map(\.key) == [
                "mqtt.keepalive", "buses[0].modbus_rtu.baud", "buses[0].timeout", "buses[0].meters[0].adress",
            ]
        )
        #expect(found.allSatisfy { $0.file == "c.yaml" })
        #expect(found[0].message.contains("write 30s or 30ms"))
        #expect(found[1].message.contains("300, 600, 1200, 2400, 4800, 9600"))
        #expect(found[2].message.contains("write 500s or 500ms"))
        #expect(found[3].message.contains("did you mean address?"))
    }

    /// A name or address used twice is reported also when that entry has another problem (both at once), on the
    /// second entry's line and key, naming the first one's line.
    @Test func aDuplicateIsReportedAlsoInAnEntryWithAnotherProblem() {
        let yaml = """
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502}
                meters:
                  - {name: main, address: 1}
                  - {name: second, address: 1, interval: 5}
              - name: b
                modbus_tcp: {host: 127.0.0.1, port: 503}
                meters:
                  - name: main
                    address: 300
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 99999}
                meters: [{name: third, address: 1}]
            """
        let found = problems(yaml)
        #expect(found.map(\.line) == [6, 6, 10, 11, 12, 13], "\(found)")
        #expect(
            found.map(\.key) == [
                "buses[0].meters[1].interval", "buses[0].meters[1]", "buses[1].meters[0].name",
                "buses[1].meters[0].address", "buses[2]", "buses[2].modbus_tcp.port",
            ],
            "\(found)"
        )
        #expect(found[1].message == "address 1 is used twice on bus a; first at line 5", "\(found)")
        #expect(found[2].message == "meter name main is used twice (names are topic levels); first at line 5")
        #expect(found[3].message == "300 is out of range 1...247", "\(found)")
        #expect(found[4].message == "bus name a is used twice; first at line 2", "\(found)")
    }

    /// Two entries without a usable address do not share "the same address": each gets its own error only.
    @Test func twoMisspeltAddressesAreNoDuplicate() {
        let yaml = """
            buses:
              - name: a
                modbus_tcp: {host: 127.0.0.1, port: 502}
                meters:
                  - {name: m1, adress: 1}
                  - {name: m2, adress: 2}
            """
        let found = problems(yaml)
        #expect(found.map(\.key) == ["buses[0].meters[0].adress", "buses[0].meters[1].adress"], "\(found)")
    }

    @Test func aMistypedParityIsQuotedBack() {
        let yaml = """
            buses:
              - name: a
                modbus_rtu: {device: /dev/ttyUSB0, parity: evn}
                meters: [{name: m, address: 1}]
            """
        let found = problems(yaml)
        #expect(found.map(\.key) == ["buses[0].modbus_rtu.parity"], "\(found)")
        #expect(found.first?.message.contains("expected even, none or odd, got \"evn\"") == true, "\(found)")
    }

    @Test func atMostTwentyAreReportedAndTheRestCounted() throws {
        var yaml = "buses:\n  - name: a\n    modbus_tcp: {host: 127.0.0.1, port: 502}\n    meters:\n"
        for n in 1...25 { yaml += "      - {name: m\(n), address: \(n), interval: \(n)}\n" }
        let error = #expect(throws: ConfigurationErrors.self) {
            try BridgeConfiguration.parse(yaml: yaml, file: "c.yaml")
        }
        #expect(error?.errors.count == 20)
        #expect(error?.omitted == 5)
        #expect(error?.description.hasSuffix("... and 5 more (fix these first)") == true)
    }

    @Test(arguments: [
        ("diagnostics_interval: 5\n", "write 5s or 5ms"), ("command_max_age: 0.5\n", "write 0.5s or 0.5ms"),
        ("mqtt: {keepalive: 60}\n", "write 60s or 60ms"), ("diagnostics_interval: ten\n", "expected a duration"),
    ])
    func bareNumbersAreNotDurations(prefix: String, message: String) {
        let found = problems(prefix + bus)
        #expect(found.count == 1 && found[0].message.contains(message), "\(found)")
    }

    @Test func baudMustBeASpeedOfTheMeter() throws {
        let modbus =
            "buses:\n  - name: a\n    modbus_rtu: {device: /dev/null, baud: BAUD}\n    meters: [{name: m, address: 1}]\n"
        let mbus =
            "buses:\n  - name: a\n    mbus_serial: {device: /dev/null, baud: BAUD}\n    meters: [{name: m, address: 1}]\n"
        for (yaml, good, bad) in [
            (modbus, 9600, 19200), (modbus, 1200, 115_200), (mbus, 2400, 38400), (mbus, 300, 110),
        ] {
            #expect(problems(yaml.replacingOccurrences(of: "BAUD", with: "\(good)")).isEmpty)
            let found = problems(yaml.replacingOccurrences(of: "BAUD", with: "\(bad)"))
            #expect(found.map(\.key) == ["buses[0].\(yaml == modbus ? "modbus_rtu" : "mbus_serial").baud"], "\(found)")
        }
    }

    @Test func filesTheConfigNamesMustExist() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bridge.yaml").path
        try "secret\n".write(to: folder.appendingPathComponent("password"), atomically: true, encoding: .utf8)
        try "pem".write(to: folder.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)

        // Relative to the config file's folder, whatever the working directory.
        let good = "mqtt: {username: u, password_file: password, tls: {ca_file: ca.crt}}\n" + bus
        let config = try BridgeConfiguration.parse(yaml: good, file: file)
        #expect(config.mqtt.password == "secret")
        #expect(config.mqtt.tls?.caFile == folder.appendingPathComponent("ca.crt").path)

        let bad = """
            mqtt:
              password_file: /etc/pro380-mqtt/no-such-password
              tls: {ca_file: missing-ca.crt, cert_file: client.crt, key_file: /}
            """
        let found = problems(bad + "\n" + bus, file: file)
        #expect(
            found.map(\.key) == ["mqtt.password_file", "mqtt.tls.ca_file", "mqtt.tls.cert_file", "mqtt.tls.key_file"]
        )
        #expect(found.map(\.line) == [2, 3, 3, 3])
        #expect(found[0].message == "/etc/pro380-mqtt/no-such-password does not exist")
        #expect(found[1].message == "\(folder.path)/missing-ca.crt does not exist")
        #expect(found[3].message == "/ is a folder, not a file")

        // A staged tree: absolute paths are looked up under --root.
        let staged = folder.appendingPathComponent("stage/etc/pro380-mqtt")
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
        try "s".write(to: staged.appendingPathComponent("password"), atomically: true, encoding: .utf8)
        let installed = "mqtt: {password_file: /etc/pro380-mqtt/password}\n" + bus
        #expect(problems(installed, file: file).map(\.key) == ["mqtt.password_file"])
        #expect(problems(installed, file: file, root: folder.appendingPathComponent("stage").path).isEmpty)
    }

    @Test func aPasswordInTheFileIsRefusedWithTheWaysToGiveIt() {
        let found = problems("mqtt: {password: hunter2}\n" + bus)
        #expect(found.count == 1)
        #expect(found.first?.key == "mqtt.password")
        #expect(found.first?.message.contains("password_file") == true)
        #expect(found.first?.message.contains("PRO380_MQTT_PASSWORD") == true)
    }

    @Test func aMissingSerialDeviceIsAWarning() throws {
        let yaml =
            "buses:\n  - name: a\n    modbus_rtu: {device: /dev/ttyUSB-not-here}\n    meters: [{name: m, address: 1}]\n"
        let config = try BridgeConfiguration.parse(yaml: yaml, file: "c.yaml")
        #expect(config.warnings.map(\.key) == ["buses[0].modbus_rtu.device"])
        #expect(config.warnings.first?.line == 3)
        #expect(config.warnings.first?.message.contains("/dev/serial/by-id") == true)
    }

    @Test func logLevel() throws {
        #expect(try BridgeConfiguration.parse(yaml: bus, file: "c.yaml").logLevel == nil)
        #expect(try BridgeConfiguration.parse(yaml: "log_level: warning\n" + bus, file: "c.yaml").logLevel == .warning)
        #expect(problems("log_level: loud\n" + bus).map(\.key) == ["log_level"])
    }
}
