import Foundation

/// Publishes the counters of every meter and bus, retained, every `interval` (and once at start).
struct DiagnosticsReporter: Sendable {
    /// The running buses (a reload changes them).
    let roster: BusRoster
    let publisher: Publisher
    let topics: TopicLayout
    let interval: Duration

    func run() async {
        while !Task.isCancelled {
            await report()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    func report() async {
        var busMembers: [(String, JSONValue)] = []
        var summary = BridgeDiagnosticsSummary()
        for bus in roster.buses {
            for meter in bus.meters {
                let diagnostics = await meter.driver.diagnostics()
                summary.add(diagnostics, entry: publisher.ledger.entry(meter.configuration.name))
                await publisher.publishRetained(
                    topic: topics.diagnostics(meter: meter.configuration.name),
                    json: diagnostics.json.text(.spaced)
                )
            }
            busMembers.append((bus.name, await bus.diagnostics().json))
        }
        summary.add(await publisher.outboxStatistics)
        let json = JSONValue.object(
            [("buses", .object(busMembers))] + summary.members + [("time", .string(Timestamp.rfc3339(Date())))]
        )
        await publisher.publishRetained(topic: topics.bridgeDiagnostics, json: json.text(.spaced))
    }
}
