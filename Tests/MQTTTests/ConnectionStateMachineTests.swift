import Testing

@testable import MQTT

/// The network thread's decisions without any I/O: attempts, CONNACK timeout, back-off, stop.
@Suite struct ConnectionStateMachineTests {
    let start = ContinuousClock.now

    func machine() -> ConnectionStateMachine {
        ConnectionStateMachine(
            backoff: .seconds(1) ... .seconds(8),
            connectTimeout: .seconds(10),
            disconnectGrace: .seconds(2)
        )
    }

    /// A machine whose first attempt was accepted at `start`.
    func connectedMachine() -> ConnectionStateMachine {
        var link = machine()
        _ = link.nextAction(now: start)
        link.attemptStarted(now: start)
        link.connackAccepted()
        return link
    }

    @Test func firstAttemptThenServiceUntilTheConnackIsDue() {
        var link = machine()
        #expect(link.nextAction(now: start) == .startAttempt(first: true))
        link.attemptStarted(now: start)
        #expect(link.nextAction(now: start + .seconds(9)) == .serviceNetwork)
        #expect(link.nextAction(now: start + .seconds(10)) == .abandonAttempt)
    }

    @Test func backoffDoublesUpToTheUpperBoundAndResetsAfterAConnection() {
        var link = machine()
        var now = start
        var delays: [Duration] = []
        for _ in 0..<6 {
            #expect(
                link.nextAction(now: now) == (delays.isEmpty ? .startAttempt(first: true) : .startAttempt(first: false))
            )
            link.attemptStarted(now: now)
            let delay = link.connectionEnded(now: now)!
            delays.append(delay)
            #expect(link.nextAction(now: now) == .sleep(until: now + delay))
            now += delay
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(link.nextAction(now: now) == .startAttempt(first: false))
        link.attemptStarted(now: now)
        link.connackAccepted()
        #expect(link.state == .connected)
        #expect(link.connectionEnded(now: now) == .seconds(1))
    }

    @Test func stopWhileConnectedSendsDisconnectAndEndsAfterTheSocketClosesOrTheGrace() {
        var link = connectedMachine()
        link.requestStop()
        #expect(link.nextAction(now: start) == .sendDisconnect)
        #expect(link.nextAction(now: start + .seconds(1)) == .serviceNetwork)
        #expect(link.connectionEnded(now: start + .seconds(1)) == nil)
        #expect(link.nextAction(now: start + .seconds(1)) == .exit)

        var stuck = connectedMachine()
        stuck.requestStop()
        #expect(stuck.nextAction(now: start) == .sendDisconnect)
        #expect(stuck.nextAction(now: start + .seconds(2)) == .exit)
    }

    @Test(arguments: ["idle", "connecting", "waiting"])
    func stopWhenNotConnectedExitsAtOnce(phase: String) {
        var link = machine()
        if phase != "idle" {
            _ = link.nextAction(now: start)
            link.attemptStarted(now: start)
        }
        if phase == "waiting" { _ = link.connectionEnded(now: start) }
        link.requestStop()
        #expect(link.nextAction(now: start) == .exit)
        #expect(link.state == .stopped)
        #expect(link.connectionEnded(now: start) == nil)
    }

    @Test func aStopDuringAnAttemptIsNotOverwrittenByTheAttempt() {
        // libmosquitto's own loop loses a disconnect that lands during a reconnect; this machine must not.
        var link = machine()
        _ = link.nextAction(now: start)
        link.requestStop()
        link.attemptStarted(now: start)
        #expect(link.nextAction(now: start) == .exit)
    }
}
