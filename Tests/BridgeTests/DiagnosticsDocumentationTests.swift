import Foundation
import TestSupport
import Testing

@testable import Bridge

/// docs/diagnostics.md documents every key the diagnostics topics carry, and no key they do not (issue 9: the keys
/// are documented and kept stable).
@Suite struct DiagnosticsDocumentationTests {
    /// The keys in the first column of the table under `heading` (`| `key` | meaning |` rows; a cell may name
    /// several keys, each in backticks).
    static func documentedKeys(under heading: String) throws -> [String] {
        let url = TestEnvironment.packageRoot.appendingPathComponent("docs/diagnostics.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let section = try #require(text.components(separatedBy: heading).dropFirst().first)
        var keys: [String] = []
        var inTable = false
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                if inTable { break }
                continue
            }
            inTable = true
            let cell = line.split(separator: "|").first.map(String.init) ?? ""
            keys += cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        return keys
    }

    static func keys(of json: JSONValue) -> [String] {
        guard case .object(let members) = json else { return [] }
        return members.map(\.0)
    }

    @Test func meterKeysAreDocumented() throws {
        let documented = try Self.documentedKeys(under: "## `<base>/<meter>/diagnostics`")
        #expect(Set(documented) == Set(Self.keys(of: MeterDiagnostics().json)))
        #expect(documented.count == Self.keys(of: MeterDiagnostics().json).count)
    }

    /// A bus's diagnostics with every counter at 0.
    static func bus(_ meterProtocol: String) -> BusDiagnostics {
        BusDiagnostics(
            meterProtocol: meterProtocol,
            endpoint: "/dev/ttyUSB0",
            baudRate: 9600,
            meters: 1,
            queueLength: 0,
            transportOpens: 0,
            openFailures: 0,
            transportDrops: 0,
            counters: TransactionCounters()
        )
    }

    @Test func busKeysAreDocumented() throws {
        let bus = Self.bus("modbus")
        let documented = try Self.documentedKeys(under: "`buses` has one object per configured bus")
        #expect(Set(documented) == Set(Self.keys(of: bus.json)))
    }

    /// A listen-only bus's `listen` member and a heard meter's `keys_seen`, each in its own table.
    @Test func listenOnlyKeysAreDocumented() throws {
        var bus = Self.bus("modbus_listen")
        bus.listen = ListenCounters()
        guard case .object(let members) = bus.json, let listen = members.first(where: { $0.0 == "listen" })?.1 else {
            Issue.record("no listen member in \(bus.json.text())")
            return
        }
        let common = try Self.documentedKeys(under: "`buses` has one object per configured bus")
        #expect(Set(Self.keys(of: bus.json)) == Set(common + ["listen"]))
        let documented = try Self.documentedKeys(under: "A listen-only bus's object has one more member, `listen`:")
        #expect(documented == Self.keys(of: listen))

        var meter = MeterDiagnostics()
        meter.keysSeen = ["voltage_l1"]
        let meterKeys = try Self.documentedKeys(under: "## `<base>/<meter>/diagnostics`")
        let heardKeys = try Self.documentedKeys(under: "The meter topic of a heard meter has one more key:")
        #expect(Self.keys(of: meter.json) == meterKeys + heardKeys)
    }

    @Test func bridgeKeysAreDocumented() throws {
        let documented = try Self.documentedKeys(under: "The rest of the bridge object:")
        let summary = BridgeDiagnosticsSummary().members.map(\.0)
        // DiagnosticsReporter adds the buses and the time around the summary.
        #expect(Set(documented) == Set(summary + ["time"]))
    }

    /// The `outbox` member's keys, and the causes its `dropped` object counts, each named in the docs.
    @Test func outboxKeysAreDocumented() throws {
        let members = BridgeDiagnosticsSummary().members
        let outbox = try #require(members.first { $0.0 == "outbox" }?.1)
        let documented = try Self.documentedKeys(under: "The `outbox` member:")
        #expect(documented == Self.keys(of: outbox))
        guard case .object(let outboxMembers) = outbox, let dropped = outboxMembers.first(where: { $0.0 == "dropped" })
        else {
            Issue.record("no dropped member in \(outbox.text())")
            return
        }
        let url = TestEnvironment.packageRoot.appendingPathComponent("docs/diagnostics.md")
        let row = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("| `dropped` |") }
        for cause in Self.keys(of: dropped.1) {
            #expect(row?.contains("`\(cause)`") == true, "\(cause) is not named in the dropped row")
        }
    }
}
