/// The drain loop's armed timer: when the earliest thing it waits for is due (replay pacing, delayed deletes, the
/// longest admission wait, the unstored batches' next look, the shutdown deadline).
///
/// A timer is a child task that sleeps until its instant and then reports it (`Publisher.Event.tick`). A task
/// cannot be withdrawn from the loop's task group, so arming an earlier instant leaves the later task sleeping: it
/// still reports when it expires. That report must not disarm the timer armed since, or the loop starts another task
/// for what is already armed, and every superseded task that expires starts one more: flat out they grew to tens
/// of thousands (over 100 MiB in a minute, docs/performance.md, stop 24).
struct DrainTimer: Sendable, Equatable {
    /// The instant of the task to report first, if one is armed.
    private(set) var armed: ContinuousClock.Instant?

    /// Whether a task must start for `instant`: true unless one armed at or before it will report first.
    mutating func arm(at instant: ContinuousClock.Instant) -> Bool {
        if let armed, armed <= instant { return false }
        armed = instant
        return true
    }

    /// The task armed for `instant` reported: the timer is disarmed if what it armed is due by then; a superseded
    /// task (armed later than what is armed now) changes nothing.
    mutating func expired(_ instant: ContinuousClock.Instant) {
        if let armed, armed <= instant { self.armed = nil }
    }
}
