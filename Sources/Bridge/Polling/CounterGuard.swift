package import PRO380

/// Holds back an energy counter that reads lower than its last published value.
///
/// Home Assistant's `total_increasing` takes any drop as a meter reset and then counts the whole counter again as
/// new consumption ("phantom energy"). A forward or reverse counter never falls on a real PRO380, so a drop beyond
/// float rounding is a corrupt read and is not published.
package struct CounterGuard: Sendable {
    private var lastPublished: [String: Double] = [:]

    package init() {}

    /// Whether `reading` may be published; remembers it when it may.
    /// - Returns: `nil` when accepted, else the last published value it fell below.
    package mutating func check(_ reading: Reading, quantity: Quantity) -> Double? {
        guard quantity.isMonotonic, let value = reading.value.doubleValue else { return nil }
        if let last = lastPublished[reading.key] {
            // A single holds about 7 significant digits: allow a fall within its rounding.
            let tolerance = max(0.001, abs(last) * 1e-6)
            if value < last - tolerance { return last }
        }
        lastPublished[reading.key] = max(value, lastPublished[reading.key] ?? value)
        return nil
    }
}
