import Foundation
import TestSupport
import Testing

@testable import Bridge

/// What the daemon tells systemd, tick by tick, and the socket it tells it on.
@Suite struct ServiceNotificationsTests {
    let start = ContinuousClock.now

    func snapshot(online: Int = 0, polled: Int = 0, stuck: Duration? = nil) -> BridgeStatusSnapshot {
        var snapshot = BridgeStatusSnapshot(meters: 2, brokerConnected: true)
        snapshot.online = online
        snapshot.polledOnce = polled
        snapshot.longestPoll = stuck.map { ("main", $0) }
        return snapshot
    }

    @Test func readyOnceEveryMeterWasPolledStatusWhenItChangesWatchdogAtHalfTheTimeout() {
        var n = ServiceNotifications(watchdogTimeout: .seconds(10), started: start)
        #expect(
            n.tick(snapshot(polled: 1), now: start) == [
                "STATUS=starting: first poll of 2 meter(s), 1 done", "WATCHDOG=1",
            ]
        )
        #expect(n.tick(snapshot(polled: 1), now: start + .seconds(1)) == [])
        #expect(
            n.tick(snapshot(online: 1, polled: 2), now: start + .seconds(2))
                == ["READY=1", "STATUS=1 of 2 meters online, broker connected"]
        )
        #expect(n.tick(snapshot(online: 1, polled: 2), now: start + .seconds(5)) == ["WATCHDOG=1"])
        #expect(
            n.tick(snapshot(online: 2, polled: 2), now: start + .seconds(6)) == [
                "STATUS=2 of 2 meters online, broker connected"
            ]
        )
        #expect(n.tick(snapshot(online: 2, polled: 2), now: start + .seconds(10)) == ["WATCHDOG=1"])
        #expect(n.stopping().first == "STOPPING=1")
    }

    @Test func noWatchdogWhileAPollHangs() {
        var n = ServiceNotifications(watchdogTimeout: .seconds(10), started: start)
        _ = n.tick(snapshot(online: 2, polled: 2), now: start)
        // A poll in flight for 8 s is a slow one; for 12 s (longer than the watchdog timeout) a hung one.
        #expect(n.tick(snapshot(online: 2, polled: 2, stuck: .seconds(8)), now: start + .seconds(5)) == ["WATCHDOG=1"])
        let hung = n.tick(snapshot(online: 2, polled: 2, stuck: .seconds(12)), now: start + .seconds(10))
        #expect(
            hung == ["STATUS=2 of 2 meters online, broker connected; the poll of main has run for over 10 s: hung?"]
        )
        #expect(n.tick(snapshot(online: 2, polled: 2, stuck: .seconds(17)), now: start + .seconds(15)) == [])
        #expect(n.tick(snapshot(online: 2, polled: 2), now: start + .seconds(16)).contains("WATCHDOG=1"))
    }

    @Test func readyAtTheLatestAfterThirtySecondsAndNoWatchdogWithoutTimeout() {
        var n = ServiceNotifications(watchdogTimeout: nil, started: start)
        #expect(!n.tick(snapshot(polled: 0), now: start + .seconds(29)).contains("READY=1"))
        #expect(n.tick(snapshot(polled: 0), now: start + .seconds(30)).contains("READY=1"))
        #expect(!n.tick(snapshot(polled: 2), now: start + .seconds(60)).contains("WATCHDOG=1"))
    }

    @Test func watchdogTimeoutFromTheEnvironment() {
        #expect(
            ServiceNotifications.watchdogTimeout(environment: ["WATCHDOG_USEC": "300000000"], pid: 7) == .seconds(300)
        )
        #expect(
            ServiceNotifications.watchdogTimeout(
                environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "7"],
                pid: 7
            ) == .seconds(2)
        )
        #expect(
            ServiceNotifications.watchdogTimeout(
                environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "8"],
                pid: 7
            ) == nil
        )
        #expect(ServiceNotifications.watchdogTimeout(environment: [:], pid: 7) == nil)
    }

    @Test(arguments: [false, true])
    func notificationsArriveOnAPathOrAnAbstractSocket(abstract: Bool) async throws {
        let listener = try NotifySocketListener(abstract: abstract)
        defer { listener.stop() }
        let socket = try #require(NotifySocket(environment: ["NOTIFY_SOCKET": listener.address]))
        #expect(socket.send(["READY=1", "STATUS=2 of 2 meters online"]))
        #expect(await listener.wait { $0 == ["READY=1", "STATUS=2 of 2 meters online"] }, "\(listener.messages)")
        #expect(listener.messages == ["READY=1\nSTATUS=2 of 2 meters online"], "one datagram")
        #expect(NotifySocket(address: "") == nil)
        #expect(NotifySocket(address: "vsock:2:1234") == nil)
    }
}

/// A reload as the service manager hears it (sd_notify(3): RELOADING=1 with MONOTONIC_USEC=, then READY=1).
@Suite struct ReloadNotificationsTests {
    @Test func reloadingCarriesTheMonotonicTimeReadyCarriesTheOutcome() {
        #expect(
            ServiceNotifications.reloading(monotonicMicroseconds: 197_340_680_966) == [
                "RELOADING=1", "MONOTONIC_USEC=197340680966", "STATUS=reloading the config",
            ]
        )
        var snapshot = BridgeStatusSnapshot(meters: 3, brokerConnected: true)
        snapshot.online = 3
        #expect(
            ServiceNotifications.reloaded(snapshot, note: "config reloaded") == [
                "READY=1", "STATUS=3 of 3 meters online, broker connected; config reloaded",
            ]
        )
    }
}
