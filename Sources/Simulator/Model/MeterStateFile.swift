import Foundation

/// The JSON state file of a simulated meter: its settings (without an unsaved tariff) and energy counters.
///
/// Written whole and atomically (a temporary file renamed over the old one), so a crash never leaves half a file.
struct MeterStateFile: Codable, Sendable, Equatable {
    var settings: SimulatedMeterSettings
    var counters: EnergyCounters
    /// When the counters were integrated up to.
    var savedAt: Date

    static func load(from url: URL) throws(SimulatorError) -> MeterStateFile {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(MeterStateFile.self, from: Data(contentsOf: url))
        } catch {
            throw SimulatorError.stateFile(path: url.path, reason: "cannot read: \(error)")
        }
    }

    func save(to url: URL) throws(SimulatorError) {
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw SimulatorError.stateFile(path: url.path, reason: "cannot write: \(error)")
        }
    }
}
