import Testing

@testable import Bridge

@Suite("Publish admission: pollers wait at a bound while the broker is behind")
struct PublishAdmissionTests {
    let start = ContinuousClock.now

    @Test("Polls go while they fit the bound; the next one waits until the queue drains, in the order they came")
    func waitsAtTheBoundFirstComeFirstServed() {
        var gate = PublishAdmission(bound: 256, longestWait: .seconds(1))
        #expect(gate.request(70, queued: 0, holding: true, now: start) == nil)
        #expect(gate.request(70, queued: 70, holding: true, now: start) == nil)
        gate.stored(70)
        gate.stored(70)
        // 140 + 70 fits, 210 + 70 does not.
        #expect(gate.request(70, queued: 140, holding: true, now: start) == nil)
        gate.stored(70)
        let first = gate.request(70, queued: 210, holding: true, now: start)
        let second = gate.request(20, queued: 210, holding: true, now: start)
        #expect(first != nil && second != nil)
        // A small poll behind a waiting one waits too (no overtaking), even though it would fit alone.
        #expect(gate.admit(queued: 210, holding: true, now: start) == [])
        // 176 + 70 fits; then 176 + 70 admitted + 20 does not.
        #expect(gate.admit(queued: 176, holding: true, now: start) == [first!])
        #expect(gate.admitted == 70)
        gate.stored(70)
        #expect(gate.admit(queued: 246, holding: true, now: start) == [])
        #expect(gate.admit(queued: 200, holding: true, now: start) == [second!])
        #expect(gate.waiting.isEmpty && gate.nextDeadline == nil)
    }

    @Test("A poll alone always goes, however large; with the gate open nothing waits")
    func aloneOrOpenGoes() {
        var gate = PublishAdmission(bound: 8, longestWait: .seconds(1))
        #expect(gate.request(100, queued: 0, holding: true, now: start) == nil)
        #expect(gate.request(100, queued: 500, holding: false, now: start) == nil)
        #expect(gate.admitted == 200)
    }

    @Test("A waiter goes once its longest wait is over (a broker that stops acknowledging stalls no poller for good)")
    func deadline() {
        var gate = PublishAdmission(bound: 64, longestWait: .seconds(1))
        let id = gate.request(70, queued: 64, holding: true, now: start)
        #expect(id != nil)
        #expect(gate.nextDeadline == start + .seconds(1))
        #expect(gate.admit(queued: 64, holding: true, now: start + .milliseconds(999)) == [])
        #expect(gate.admit(queued: 64, holding: true, now: start + .seconds(1)) == [id!])
    }

    @Test("Behind stored live messages a poll waits, even alone, until they are acknowledged or its wait is over")
    func waitsBehindStoredMessages() {
        var gate = PublishAdmission(bound: 256, longestWait: .seconds(1))
        let first = gate.request(70, queued: 0, storedAhead: true, holding: true, now: start)
        #expect(first != nil)
        #expect(gate.admit(queued: 0, storedAhead: true, holding: true, now: start + .milliseconds(10)) == [])
        #expect(gate.admit(queued: 0, storedAhead: false, holding: true, now: start + .milliseconds(10)) == [first!])
        gate.stored(70)
        let second = gate.request(70, queued: 0, storedAhead: true, holding: true, now: start)
        #expect(second != nil)
        #expect(gate.admit(queued: 0, storedAhead: true, holding: true, now: start + .seconds(1)) == [second!])
        gate.stored(70)
        // With the gate open (disconnected) nothing waits for the stored messages.
        #expect(gate.request(70, queued: 0, storedAhead: true, holding: false, now: start) == nil)
    }

    @Test("Disconnected (gate open) every waiter goes; a released waiter counts as admitted")
    func openAndRelease() {
        var gate = PublishAdmission(bound: 64, longestWait: .seconds(1))
        let a = gate.request(70, queued: 64, holding: true, now: start)!
        let b = gate.request(70, queued: 64, holding: true, now: start)!
        let released = gate.release(b)
        let again = gate.release(b)
        #expect(released && !again)
        #expect(gate.admitted == 70)
        #expect(gate.admit(queued: 64, holding: false, now: start) == [a])
        #expect(gate.admitted == 140)
    }
}
