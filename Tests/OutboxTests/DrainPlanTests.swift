import Foundation
import Testing

@testable import Outbox

/// The drain's order, pacing and retain rule, without I/O: the test plays the publisher's part.
@Suite struct DrainPlanTests {
    let start = ContinuousClock.now

    static func entry(_ id: Int64, _ topic: String, retain: Bool = true, state: Bool = false) -> OutboxEntry {
        OutboxEntry(
            id: id,
            message: OutboxMessage(
                topic: topic,
                payload: Array("\(id)".utf8),
                qos: 1,
                retain: retain,
                latestOnly: state
            ),
            created: Date(timeIntervalSince1970: Double(id))
        )
    }

    /// A plan with `stored` entries already in the store (a backlog), connected, its reads answered from `stored`.
    func connectedPlan(stored: [OutboxEntry], rate: Double = 1000, window: Int = 64) -> DrainPlan {
        var newest: [String: Int64] = [:]
        for entry in stored { newest[entry.message.topic] = entry.id }
        var plan = DrainPlan(
            lastStoredID: stored.last?.id ?? 0,
            newest: newest,
            replayRate: rate,
            bufferLimit: 8,
            window: window
        )
        plan.connect()
        answerReads(&plan, from: stored)
        return plan
    }

    func answerReads(_ plan: inout DrainPlan, from stored: [OutboxEntry]) {
        for read in plan.reads() {
            let rows = stored.filter { $0.id > read.after && $0.id < read.before }.prefix(read.limit)
            plan.read(read, returned: Array(rows))
        }
    }

    /// Takes every message the plan lets go at `now`, acknowledging none.
    func drain(_ plan: inout DrainPlan, at now: ContinuousClock.Instant) -> [DrainPlan.Send] {
        var sends: [DrainPlan.Send] = []
        while case .send(let send) = plan.next(at: now) { sends.append(send) }
        return sends
    }

    @Test func theBacklogGoesOutInOrderOneMessagePerTopicInFlight() {
        let stored = (1...6).map { Self.entry($0, $0 % 2 == 0 ? "a" : "b") }
        var plan = connectedPlan(stored: stored)
        var order: [Int64] = []
        var now = start
        while order.count < stored.count {
            let sends = drain(&plan, at: now)
            #expect(Set(sends.map(\.entry.message.topic)).count == sends.count, "two of one topic in flight")
            for send in sends {
                order.append(send.entry.id)
                plan.sent(send.entry.id, outcome: .delivered)
            }
            answerReads(&plan, from: stored.filter { !order.contains($0.id) })
            now += .milliseconds(10)
        }
        #expect(order == [1, 2, 3, 4, 5, 6])
        #expect(plan.replayDone)
    }

    /// Idle (what lets the publisher hand QoS 0 messages over without storing them) only while connected with
    /// nothing stored waiting, buffered or in flight.
    @Test func idleOnlyWhenConnectedAndNothingStoredWaits() {
        var plan = DrainPlan(lastStoredID: 0, newest: [:], replayRate: 1000, bufferLimit: 8)
        #expect(!plan.isIdle, "not connected")
        plan.connect()
        answerReads(&plan, from: [])
        #expect(plan.isIdle)
        plan.appended([Self.entry(1, "a")])
        #expect(!plan.isIdle, "a live message waits")
        let sends = drain(&plan, at: start)
        #expect(sends.map(\.entry.id) == [1])
        #expect(!plan.isIdle, "one in flight")
        plan.sent(1, outcome: .delivered)
        #expect(plan.isIdle)
        plan.disconnect()
        #expect(!plan.isIdle)

        var backlog = connectedPlan(stored: [Self.entry(1, "a"), Self.entry(2, "b")])
        #expect(!backlog.isIdle, "a backlog to replay")
        for send in drain(&backlog, at: start) { backlog.sent(send.entry.id, outcome: .delivered) }
        answerReads(&backlog, from: [])
        #expect(backlog.isIdle)
    }

    @Test func onlyTheNewestOfATopicIsRetained() {
        let stored = [Self.entry(1, "a"), Self.entry(2, "b"), Self.entry(3, "a"), Self.entry(4, "c", retain: false)]
        var plan = connectedPlan(stored: stored)
        var retained: [Int64: Bool] = [:]
        var now = start
        while retained.count < stored.count {
            for send in drain(&plan, at: now) {
                retained[send.entry.id] = send.retain
                plan.sent(send.entry.id, outcome: .delivered)
            }
            now += .milliseconds(10)
        }
        #expect(retained == [1: false, 2: true, 3: true, 4: false])
    }

    /// A live message sent while an older one of its topic still waits in the backlog makes that one unretained.
    @Test func liveMessagesGoFirstAndTheReplayAfterThemIsNotRetained() {
        let stored = [Self.entry(1, "a"), Self.entry(2, "b")]
        var plan = connectedPlan(stored: stored, rate: 1)
        // The pacer's burst lets the first replayed message go at once; the next waits a second.
        let first = drain(&plan, at: start)
        #expect(first.map(\.entry.id) == [1])
        #expect(first.first?.retain == true)
        plan.sent(1, outcome: .delivered)
        plan.appended([Self.entry(3, "b"), Self.entry(4, "a")])
        let live = drain(&plan, at: start)
        #expect(live.map(\.entry.id) == [3, 4])
        #expect(live.allSatisfy { $0.lane == .live && $0.retain })
        for send in live { plan.sent(send.entry.id, outcome: .delivered) }
        guard case .wait(let until) = plan.next(at: start) else {
            Issue.record("the replay should wait for its pace")
            return
        }
        let replayed = drain(&plan, at: until)
        #expect(replayed.map(\.entry.id) == [2])
        #expect(replayed.first?.retain == false, "an older reading replayed after a newer one must not be retained")
    }

    @Test func aTopicWithAMessageInFlightWaitsWhileOthersGo() {
        var plan = connectedPlan(stored: [])
        plan.appended([Self.entry(1, "a"), Self.entry(2, "b")])
        #expect(drain(&plan, at: start).map(\.entry.id) == [1, 2])
        plan.appended([Self.entry(3, "a"), Self.entry(4, "c")])
        #expect(drain(&plan, at: start).map(\.entry.id) == [4])
        plan.sent(1, outcome: .delivered)
        #expect(drain(&plan, at: start).map(\.entry.id) == [3])
    }

    /// A message in flight when the connection drops stays in flight (the client resends it) and is not read again;
    /// one that was never handed over is sent again after the reconnect.
    @Test func aReconnectResendsWhatWasNotHandedOverAndNothingElse() {
        var stored = [Self.entry(1, "a"), Self.entry(2, "b")]
        var plan = connectedPlan(stored: stored)
        #expect(drain(&plan, at: start).map(\.entry.id) == [1, 2])
        plan.disconnect()
        plan.sent(2, outcome: .notSent)
        plan.appended([Self.entry(3, "c")])
        stored.append(Self.entry(3, "c"))
        #expect(drain(&plan, at: start).isEmpty, "nothing goes out while disconnected")
        plan.connect()
        answerReads(&plan, from: stored)
        #expect(drain(&plan, at: start + .seconds(1)).map(\.entry.id) == [2, 3])
        plan.sent(1, outcome: .delivered)
        #expect(plan.finished == [1])
        plan.deleted([1])
        #expect(plan.finished.isEmpty)
    }

    @Test func delivereddMessagesAwaitingDeletionAreNotReadAgain() {
        let stored = [Self.entry(1, "a"), Self.entry(2, "b")]
        var plan = connectedPlan(stored: stored)
        for send in drain(&plan, at: start) { plan.sent(send.entry.id, outcome: .delivered) }
        plan.disconnect()
        plan.connect()
        answerReads(&plan, from: stored)  // the store still returns them: the delete has not run yet
        #expect(drain(&plan, at: start + .seconds(1)).isEmpty)
    }

    @Test func messagesDroppedByABoundAreForgottenEvenWhenBuffered() {
        let stored = (1...5).map { Self.entry($0, "t\($0)") }
        var plan = connectedPlan(stored: stored, window: 1)
        #expect(drain(&plan, at: start).map(\.entry.id) == [1])
        plan.dropped(through: 3)
        plan.sent(1, outcome: .delivered)
        #expect(drain(&plan, at: start + .seconds(1)).map(\.entry.id) == [4])
    }

    @Test func theLiveLaneReadsFromTheStoreWhatDidNotFitItsBuffer() {
        var plan = connectedPlan(stored: [])
        let burst = (1...20).map { Self.entry($0, "t\($0)") }
        plan.appended(burst)  // more than the buffer limit (8): left in the store
        #expect(drain(&plan, at: start).isEmpty)
        var sent: [Int64] = []
        while sent.count < burst.count {
            answerReads(&plan, from: burst.filter { !sent.contains($0.id) })
            let sends = drain(&plan, at: start)
            #expect(!sends.isEmpty)
            for send in sends {
                #expect(send.lane == .live)
                sent.append(send.entry.id)
                plan.sent(send.entry.id, outcome: .delivered)
            }
        }
        #expect(sent == burst.map(\.id))
    }

    /// A restart's backlog: readings, then the previous run's `offline` (a state); this run's live `online` was
    /// stored before the replay reached it. The readings are replayed, the stale `offline` is finished unsent.
    @Test func aReplayedStateSupersededByALiveOneIsFinishedUnsent() {
        let backlog = [Self.entry(1, "m/v"), Self.entry(2, "m/p"), Self.entry(3, "m/availability", state: true)]
        var plan = DrainPlan(lastStoredID: 3, newest: ["m/v": 1, "m/p": 2, "m/availability": 3], replayRate: 1000)
        plan.connect()
        plan.appended([Self.entry(4, "m/availability", state: true)])
        answerReads(&plan, from: backlog)
        let sends = drain(&plan, at: start)
        #expect(sends.map(\.entry.id) == [4, 1, 2])
        #expect(sends.map(\.lane) == [.live, .replay, .replay])
        #expect(plan.finished == [3], "finished without being sent: deleted with the delivered ones")
        #expect(plan.superseded == 1)
        for send in sends { plan.sent(send.entry.id, outcome: .delivered) }
        #expect(plan.replayDone)
        plan.deleted([1, 2, 3, 4])
        #expect(plan.finished.isEmpty)
    }

    /// A state already in the replay lane's buffer is finished as soon as a newer one of its topic is stored, and a
    /// skip costs no pacer token: the next reading goes with the token the state would have taken.
    @Test func aBufferedStateIsFinishedWhenANewerOneIsStoredWithoutATokenSpent() {
        let backlog = [
            Self.entry(1, "m/v"), Self.entry(2, "m/diagnostics", state: true), Self.entry(3, "m/p"),
        ]
        var plan = connectedPlan(stored: backlog, rate: 1)
        #expect(drain(&plan, at: start).map(\.entry.id) == [1], "the burst of one token")
        plan.appended([Self.entry(4, "m/diagnostics", state: true)])
        #expect(plan.finished == [2])
        let live = drain(&plan, at: start)
        #expect(live.map(\.entry.id) == [4])
        guard case .wait(let until) = plan.next(at: start) else {
            Issue.record("the replay should wait for its pace")
            return
        }
        #expect(drain(&plan, at: until).map(\.entry.id) == [3], "the reading, not the superseded state")
    }

    /// What is not superseded is replayed as before: a state that is its topic's newest (retained), a reading with
    /// newer readings stored (not retained), and states in the live lane (all of them, in order).
    @Test func readingsNewestStatesAndLiveStatesAreSent() {
        let backlog = [
            Self.entry(1, "m/v"), Self.entry(2, "m/v"), Self.entry(3, "old/availability", state: true),
        ]
        var plan = connectedPlan(stored: backlog)
        var sends: [DrainPlan.Send] = []
        var now = start
        while sends.count < 3 {
            for send in drain(&plan, at: now) {
                sends.append(send)
                plan.sent(send.entry.id, outcome: .delivered)
            }
            now += .milliseconds(10)
        }
        #expect(sends.map(\.entry.id) == [1, 3, 2])
        #expect(sends.map(\.retain) == [false, true, true])
        plan.appended([Self.entry(4, "m/availability", state: true), Self.entry(5, "m/availability", state: true)])
        var live: [Int64] = []
        while live.count < 2 {
            for send in drain(&plan, at: now) {
                live.append(send.entry.id)
                plan.sent(send.entry.id, outcome: .delivered)
            }
        }
        #expect(live == [4, 5], "a live offline then online both go: they happened while connected")
        #expect(plan.superseded == 0)
    }

    @Test func theWindowLimitsMessagesInFlight() {
        let stored = (1...10).map { Self.entry($0, "t\($0)") }
        var plan = connectedPlan(stored: stored, window: 3)
        #expect(drain(&plan, at: start).count == 3)
        plan.sent(2, outcome: .delivered)
        #expect(drain(&plan, at: start).map(\.entry.id) == [4])
    }

    /// The publisher stores messages the client already has in flight (its unstored QoS 1 polls): the plan never
    /// hands them over again, holds back what follows them on their topics until every one of them is in, and
    /// finishes them with their outcome like the messages it handed over itself.
    @Test func messagesAdoptedInFlightAreNotSentAgainAndHoldTheirTopics() {
        var plan = connectedPlan(stored: [])
        #expect(plan.isIdle)
        // Two polls of topic a, one of b, handed over before they were stored; then a newer a and a c stored.
        let adopted = [Self.entry(1, "a"), Self.entry(2, "b"), Self.entry(3, "a")]
        plan.adoptInFlight(adopted)
        plan.appended(adopted)
        plan.appended([Self.entry(4, "a"), Self.entry(5, "c")])
        #expect(!plan.isIdle)
        #expect(plan.inFlightCount == 3)
        #expect(drain(&plan, at: start).map(\.entry.id) == [5], "only c: a and b are in flight")
        plan.sent(1, outcome: .delivered)
        #expect(drain(&plan, at: start).isEmpty, "the second adopted a is still in flight")
        plan.sent(3, outcome: .delivered)
        let next = drain(&plan, at: start)
        #expect(next.map(\.entry.id) == [4])
        #expect(next.first?.retain == true, "4 is the newest a")
        plan.sent(2, outcome: .delivered)
        plan.sent(4, outcome: .delivered)
        plan.sent(5, outcome: .delivered)
        #expect(plan.finished == [1, 2, 3, 4, 5])
        #expect(plan.isIdle)
    }

    /// After a reconnect the replay reads the store again: adopted messages still in flight are skipped (the client
    /// resends them itself).
    @Test func theReplaySkipsAdoptedMessagesStillInFlight() {
        var plan = connectedPlan(stored: [])
        let adopted = [Self.entry(1, "a"), Self.entry(2, "b")]
        plan.adoptInFlight(adopted)
        plan.appended(adopted)
        plan.disconnect()
        plan.appended([Self.entry(3, "c")])
        plan.connect()
        answerReads(&plan, from: adopted + [Self.entry(3, "c")])
        #expect(drain(&plan, at: start).map(\.entry.id) == [3])
    }
}

@Suite struct ReplayPacerTests {
    @Test func pacesToTheRateAfterTheBurst() {
        let start = ContinuousClock.now
        var pacer = ReplayPacer(rate: 100, burst: 5)
        var taken = 0
        while pacer.take(at: start) { taken += 1 }
        #expect(taken == 5)
        let next = pacer.nextToken(after: start)
        #expect(next > start && next <= start + .milliseconds(10))
        var later = 0
        for step in 1...100 where pacer.take(at: start + .milliseconds(10 * step)) { later += 1 }
        #expect(later == 100, "one token per 10 ms at 100/s")
    }
}
