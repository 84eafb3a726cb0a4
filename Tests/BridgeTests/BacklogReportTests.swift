import Logging
import Outbox
import Testing

@testable import Bridge

/// What the replay line says at a connection: a backlog only when there is one (`BacklogReport`).
@Suite struct BacklogReportTests {
    func report(first: Bool, stored: Int, atOpen: Int, dropped: Int = 0, superseded: Int = 0) -> BacklogReport {
        var drops = Outbox.Drops()
        drops.maxAge = dropped
        return BacklogReport(
            firstConnection: first,
            stored: stored,
            storedAtOpen: atOpen,
            droppedSinceOpen: drops,
            replayRate: 100,
            superseded: superseded
        )
    }

    /// A new, empty outbox: the bridge's own start-up messages are no backlog (the line once said "replaying 4").
    @Test func aNewOutboxHasNoBacklogOnlyItsOwnStartUpMessages() {
        let report = report(first: true, stored: 4, atOpen: 0)
        #expect(report.fromBeforeStart == 0)
        #expect(report.level == .debug)
        #expect(
            report.line == "outbox: sending 4 messages stored since the start while connecting, at 100.0 messages/s"
        )
        #expect(!(report.line ?? "").contains("replaying"))
    }

    @Test func theBacklogOfAFirstConnectionIsWhatWasStoredBeforeTheStart() {
        let report = report(first: true, stored: 1579, atOpen: 1572)
        #expect(report.level == .notice)
        #expect(
            report.line
                == "outbox: replaying 1572 messages stored before this start, then 7 stored since the start while "
                + "connecting, at 100.0 messages/s; live readings go at once meanwhile"
        )
        #expect(
            self.report(first: true, stored: 3, atOpen: 3).line
                == "outbox: replaying 3 messages stored before this start at 100.0 messages/s; live readings go at once meanwhile"
        )
    }

    /// A bound drops the oldest first, so what it dropped since the open came off the earlier run's messages.
    @Test func dropsSinceTheOpenComeOffTheEarlierMessages() {
        #expect(report(first: true, stored: 10, atOpen: 8, dropped: 5).fromBeforeStart == 3)
        #expect(report(first: true, stored: 10, atOpen: 8, dropped: 9).fromBeforeStart == 0)
    }

    /// After an outage everything stored waited through it.
    @Test func aReconnectReplaysEverythingStored() {
        let report = report(first: false, stored: 1500, atOpen: 3)
        #expect(report.level == .notice)
        #expect(
            report.line
                == "outbox: replaying 1500 stored messages at 100.0 messages/s; live readings go at once meanwhile"
        )
        #expect(self.report(first: false, stored: 0, atOpen: 0).line == nil)
        #expect(self.report(first: true, stored: 0, atOpen: 0).line == nil)
    }

    /// Superseded states are stored but never sent: the count leaves them out and the line says how many.
    @Test func supersededStatesAreNotCountedAsReplayed() {
        let reconnect = report(first: false, stored: 1500, atOpen: 3, superseded: 40)
        #expect(
            reconnect.line
                == "outbox: replaying 1460 stored messages at 100.0 messages/s; live readings go at once meanwhile; "
                + "40 older state messages are not sent (a newer one of their topic is stored)"
        )
        // At a first connection they come off the earlier run's messages first.
        let first = report(first: true, stored: 110, atOpen: 100, superseded: 30)
        #expect(first.level == .notice)
        #expect(first.line?.hasPrefix("outbox: replaying 70 messages stored before this start, then 10 stored") == true)
        // Nothing left to send: no line.
        #expect(report(first: false, stored: 5, atOpen: 0, superseded: 5).line == nil)
        // Only superseded states from before the start: this run's own messages are a detail again.
        #expect(report(first: true, stored: 7, atOpen: 3, superseded: 3).level == .debug)
    }
}
