import Foundation
import Synchronization

/// The buses the bridge runs now, with their meters: what commands route by, what discovery describes and what the
/// diagnostics report. Set at start and replaced by a reload (`BusFleet`); each reader sees one consistent list.
package final class BusRoster: Sendable {
    private struct State {
        var buses: [BusSession]
        var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]
    }

    private let state: Mutex<State>

    package init(_ buses: [BusSession] = []) { state = Mutex(State(buses: buses)) }

    /// The running buses, in config order.
    package var buses: [BusSession] { state.withLock { $0.buses } }

    /// Every running meter with its bus.
    package var meters: [(bus: BusSession, meter: BusMeter)] { buses.flatMap { bus in bus.meters.map { (bus, $0) } } }

    /// Replaces the list; every `changes()` stream yields.
    package func replace(_ buses: [BusSession]) {
        let watchers = state.withLock { state in
            state.buses = buses
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield() }
    }

    /// Yields after each `replace` (changes coalesce: the newest only), until the consumer stops iterating.
    package func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        state.withLock { $0.watchers[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}
