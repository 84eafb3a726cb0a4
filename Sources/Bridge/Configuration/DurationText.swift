import Foundation

/// Durations written with their unit: `500ms`, `10s`, `5m`, `1h`, up to 30 days.
package enum DurationText {
    /// The longest duration accepted, in seconds (30 days): anything longer is a typo, and `1e20s` must not trap.
    static let longest: Double = 30 * 24 * 3600

    /// The duration `text` names; `nil` for anything else, a bare number included (seconds or milliseconds?).
    package static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value * factor <= longest else { return nil }
            return .milliseconds(Int64((value * factor * 1000).rounded()))
        }
        return nil
    }

    /// `1500ms` → `1.5s`, for messages.
    package static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        return "\(ms / 1000)s"
    }
}
