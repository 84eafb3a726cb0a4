package import PRO380
import Synchronization

/// What the bridge has published for each meter: the keys with their units, the values discovery depends on,
/// the availability, and how long the last poll took.
///
/// The publisher records every reading and availability it is given (queued or sent), so discovery describes
/// exactly the keys that really produced a value and re-asserts the availability last published. Thread-safe;
/// `changes` yields (newest only) when a meter gains a key or a value in `identityKeys` changes.
package final class MeterLedger: Sendable {
    /// One meter's record.
    package struct Entry: Sendable, Equatable {
        /// Every key published so far, with its unit.
        package var units: [String: String?] = [:]
        /// The last value of each key in `MeterLedger.identityKeys`.
        package var identity: [String: MeterValue] = [:]
        /// The availability last published; nil before the first.
        package var online: Bool?
        /// The duration of the last poll.
        package var lastPoll: Duration?
        /// When the poll in flight started; `nil` between polls.
        package var pollStarted: ContinuousClock.Instant?
    }

    /// The keys whose value changes the discovery configs (device block, state class of the totals).
    package static let identityKeys: Set<String> = [
        "serial_number", "software_version", "hardware_version", "combination_code",
    ]

    private let entries = Mutex<[String: Entry]>([:])
    /// The distinct `units` dictionaries recorded so far: meters of one kind publish the same keys with the same
    /// units, so they share one dictionary's storage instead of a copy each (about 4 KiB a meter at 70 keys;
    /// docs/performance.md, the 1000-meter section). Taken only inside `entries`' lock.
    private let distinctUnits = Mutex<[[String: String?]]>([])
    private let signal: AsyncStream<Void>.Continuation
    /// Yields once after one or more changes that discovery must look at (buffer of one: changes coalesce).
    package let changes: AsyncStream<Void>

    package init() {
        (changes, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records readings published for `meter`.
    package func record(meter: String, readings: [Reading]) {
        let changed = entries.withLock { all -> Bool in
            var entry = all[meter] ?? Entry()
            var changed = false
            for reading in readings {
                if entry.units[reading.key] == nil {
                    entry.units[reading.key] = .some(reading.unit)
                    changed = true
                }
                if Self.identityKeys.contains(reading.key), entry.identity[reading.key] != reading.value {
                    entry.identity[reading.key] = reading.value
                    changed = true
                }
            }
            if changed { entry.units = shared(entry.units) }
            all[meter] = entry
            return changed
        }
        if changed { signal.yield() }
    }

    /// An equal dictionary already recorded for another meter (sharing its storage), else `units`, now recorded.
    /// Called when a meter gains a key, so a few times a meter; the 16 latest distinct dictionaries are kept.
    private func shared(_ units: [String: String?]) -> [String: String?] {
        distinctUnits.withLock { known in
            if let equal = known.first(where: { $0 == units }) { return equal }
            if known.count == 16 { known.removeFirst() }
            known.append(units)
            return units
        }
    }

    /// Records the availability published for `meter`.
    package func record(meter: String, online: Bool) {
        entries.withLock { $0[meter, default: Entry()].online = online }
    }

    /// Records that a poll of `meter` started (for the service manager's watchdog: a poll that never ends).
    package func record(meter: String, pollStarted: ContinuousClock.Instant) {
        entries.withLock { $0[meter, default: Entry()].pollStarted = pollStarted }
    }

    /// Records how long a poll of `meter` took; it is no longer in flight.
    package func record(meter: String, pollDuration: Duration) {
        entries.withLock {
            $0[meter, default: Entry()].lastPoll = pollDuration
            $0[meter, default: Entry()].pollStarted = nil
        }
    }

    /// The record of `meter` (empty if nothing was published yet).
    package func entry(_ meter: String) -> Entry { entries.withLock { $0[meter] ?? Entry() } }

    /// Every meter's record.
    package var snapshot: [String: Entry] { entries.withLock { $0 } }
}
