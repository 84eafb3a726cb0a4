import PRO380
import Testing

@testable import Bridge

/// Held-back energy counters are logged once per meter and episode (`CounterFallLog`), not once per key and poll.
@Suite struct CounterFallLogTests {
    func fall(_ key: String) -> CounterFallLog.Fall {
        CounterFallLog.Fall(key: key, read: .integer(1), last: 16048.14)
    }

    @Test func anEpisodeIsLoggedWhenItBeginsAndWhenItEnds() {
        var log = CounterFallLog()
        #expect(log.poll(falls: [], counters: 30) == nil)
        // A reset: every counter falls, poll after poll; the first poll is told, with its first key.
        let falls = (1...17).map { fall("key_\($0)") }
        #expect(log.poll(falls: falls, counters: 30) == .began(first: fall("key_1"), fell: 17))
        for _ in 0..<9 { #expect(log.poll(falls: falls, counters: 30) == nil) }
        // A poll of the instantaneous group alone reads no counter: the episode goes on.
        #expect(log.poll(falls: [], counters: 0) == nil)
        #expect(log.poll(falls: [fall("key_3")], counters: 30) == nil)
        #expect(log.heldBack == 171)
        // Every counter passed its last published value again.
        #expect(log.poll(falls: [], counters: 30) == .ended(heldBack: 171))
        #expect(log.heldBack == nil)
        #expect(log.poll(falls: [], counters: 30) == nil)
        // A new episode is told again.
        #expect(log.poll(falls: [fall("key_2")], counters: 30) == .began(first: fall("key_2"), fell: 1))
    }
}
