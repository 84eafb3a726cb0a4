import Foundation
import PRO380

/// Publishes the counters of every meter and bus, retained, every `interval` (and once at start).
struct DiagnosticsReporter: Sendable {
    let buses: [any BusSession]
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
        var busFields: [String] = []
        var summary = BridgeDiagnosticsSummary()
        for bus in buses {
            for meter in bus.meters {
                let diagnostics = await meter.driver.diagnostics()
                summary.add(diagnostics, entry: publisher.ledger.entry(meter.configuration.name))
                await publisher.publishRetained(
                    topic: topics.diagnostics(meter: meter.configuration.name),
                    json: diagnostics.json
                )
            }
            busFields.append("\(JSONText.quote(bus.name)): \(await bus.diagnosticsJSON())")
        }
        summary.add(await publisher.outboxStatistics)
        let json =
            "{\"buses\": {\(busFields.joined(separator: ", "))}, \(summary.jsonFields), \"time\": \"\(Timestamp.rfc3339(Date()))\"}"
        await publisher.publishRetained(topic: topics.bridgeDiagnostics, json: json)
    }
}
