import Bridge
import Foundation
import Synchronization
import Testing

/// The pollers' timer thread (`PollClock`): never early, in deadline order, cancellable at once, and a periodic
/// sleeper's next deadline armed ahead so that its sleeps do not wake the thread.
@Suite("PollClock: the pollers' timer")
struct PollClockTests {
    @Test("Sleepers end in deadline order, none before its deadline")
    func deadlineOrderNeverEarly() async throws {
        let clock = PollClock()
        let start = ContinuousClock.now
        let ended = EndedSleeps()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, delay) in [("third", 450), ("first", 150), ("second", 300)] {
                group.addTask {
                    let sleeper = clock.register()
                    defer { clock.release(sleeper) }
                    let deadline = start + .milliseconds(delay)
                    try await clock.sleep(sleeper, until: deadline)
                    let early = ContinuousClock.now < deadline
                    ended.entries.withLock { $0.append((name, early)) }
                }
            }
            try await group.waitForAll()
        }
        let results = ended.entries.withLock { $0 }
        #expect(results.map(\.name) == ["first", "second", "third"])
        #expect(results.allSatisfy { !$0.early })
    }

    @Test("A deadline already past returns at once; a sleep an hour long ends when its task is cancelled")
    func pastDeadlineAndCancellation() async throws {
        let clock = PollClock()
        let sleeper = clock.register()
        defer { clock.release(sleeper) }
        try await clock.sleep(sleeper, until: .now - .seconds(1))

        let long = Task {
            let sleeper = clock.register()
            defer { clock.release(sleeper) }
            try await clock.sleep(sleeper, until: .now + .seconds(3600))
        }
        try await Task.sleep(for: .milliseconds(50))
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }

        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            let sleeper = clock.register()
            defer { clock.release(sleeper) }
            try await clock.sleep(sleeper, until: .now + .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
    }

    @Test("The timer thread ends once the last sleeper is released; the next sleep starts a new one")
    func threadEndsWithTheLastSleeper() async throws {
        let clock = PollClock()
        #expect(clock.timerThreadID == nil, "no thread before the first sleep")
        for _ in 0..<2 {
            let first = clock.register()
            let second = clock.register()
            try await clock.sleep(first, until: .now + .milliseconds(20))
            let thread = try #require(clock.timerThreadID)
            #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"))
            clock.release(first)
            try await Task.sleep(for: .milliseconds(50))
            #expect(clock.timerThreadID == thread, "a sleeper is still registered")
            clock.release(second)
            #expect(await Self.eventually { !FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)") })
            #expect(clock.timerThreadID == nil)
        }
    }

    /// Polls `condition` every 10 ms for up to 10 s.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test("Releasing a sleeper ends its pending sleep")
    func releaseEndsSleep() async throws {
        let clock = PollClock()
        let sleeper = clock.register()
        let sleeping = Task { try await clock.sleep(sleeper, until: .now + .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(50))
        clock.release(sleeper)
        await #expect(throws: CancellationError.self) { try await sleeping.value }
    }

    @Test("A periodic sleeper finds its next deadline armed: after the second sleep none wakes the thread")
    func periodicSleepsAreAnticipated() async throws {
        let clock = PollClock()
        let sleeper = clock.register()
        defer { clock.release(sleeper) }
        let period = Duration.milliseconds(100)
        var deadline = ContinuousClock.now + period
        for _ in 0..<6 {
            try await clock.sleep(sleeper, until: deadline)
            #expect(ContinuousClock.now >= deadline)
            deadline += period
        }
        let counts = clock.wakeCounts
        // The first sleep starts the thread, the second arms it (the period is not known yet); the third to the sixth
        // find their deadline armed already. A machine so loaded that a sleep comes a whole period late re-arms once.
        #expect(counts.armingWakes < 3)
        #expect(counts.sleepsWithoutWake >= 3)
    }
}

/// The sleeps that ended, in the order they ended, and whether each ended before its deadline.
private final class EndedSleeps: Sendable {
    let entries = Mutex<[(name: String, early: Bool)]>([])
}
