/// What one benchmark run of one subject measured over its measuring window.
package struct RunFigures: Sendable, Equatable, Codable {
    /// `floor` (the C floor) or `bridge` (pro380-mqtt).
    package var subject: String
    package var qos: Int
    /// The polling interval in milliseconds; 0 is flat out.
    package var intervalMilliseconds: Int
    package var meters: Int
    /// The measuring window (after the warm-up), seconds.
    package var windowSeconds: Double
    /// Readings the subscriber received in the window.
    package var values: Int
    /// Readings the subject publishes per meter and poll (62 for the floor, 70 for the bridge here).
    package var valuesPerPoll: Int
    /// CPU time (user + system, all threads) the subject spent in the window, milliseconds.
    package var cpuMilliseconds: Double
    /// `VmRSS` at the end of the window, KiB.
    package var residentKiB: Int
    /// `VmHWM` at the end of the window, KiB.
    package var peakResidentKiB: Int
    /// Readings the subject must have published over the whole run: for each meter, its most frequent topic's
    /// count times its number of topics (every poll publishes each topic once).
    package var published: Int
    /// Readings the subscriber received over the whole run.
    package var received: Int
    /// Messages the subject itself dropped (the bridge's `dropped_messages`), 0 for the floor.
    package var dropped: Int
    /// Readings of a meter's last poll that were never read because the subject was stopped between the poll's
    /// transactions: its first blocks went out, its last ones were not read, so their topics are one short of the
    /// rest. The bridge says so in its log at shutdown (`not_read`, `BridgeLogFigures`); the floor always ends its
    /// poll, 0. Not a loss: nothing read was left unpublished.
    package var cutByStop: Int
    /// Readings still in the subject's outbox file when it ended (not acknowledged by its shutdown's deadline):
    /// the next start sends them, so they are not lost either. Counted from the file after the run; 0 for the floor,
    /// which keeps nothing.
    package var keptInOutbox: Int

    package init(
        subject: String,
        qos: Int,
        intervalMilliseconds: Int,
        meters: Int,
        windowSeconds: Double,
        values: Int,
        valuesPerPoll: Int,
        cpuMilliseconds: Double,
        residentKiB: Int,
        peakResidentKiB: Int,
        published: Int,
        received: Int,
        dropped: Int,
        cutByStop: Int = 0,
        keptInOutbox: Int = 0
    ) {
        self.subject = subject
        self.qos = qos
        self.intervalMilliseconds = intervalMilliseconds
        self.meters = meters
        self.windowSeconds = windowSeconds
        self.values = values
        self.valuesPerPoll = valuesPerPoll
        self.cpuMilliseconds = cpuMilliseconds
        self.residentKiB = residentKiB
        self.peakResidentKiB = peakResidentKiB
        self.published = published
        self.received = received
        self.dropped = dropped
        self.cutByStop = cutByStop
        self.keptInOutbox = keptInOutbox
    }

    /// Readings per second that reached the subscriber.
    package var valuesPerSecond: Double { windowSeconds > 0 ? Double(values) / windowSeconds : 0 }

    /// CPU milliseconds per 1000 published readings: the figure the issue compares.
    package var cpuPerThousandValues: Double { values > 0 ? cpuMilliseconds * 1000 / Double(values) : .infinity }

    /// The share of one core, percent.
    package var cpuPercent: Double { windowSeconds > 0 ? cpuMilliseconds / windowSeconds / 10 : 0 }

    /// The time to poll every meter once, milliseconds (readings of all meters in one cycle over the rate).
    package var cycleMilliseconds: Double {
        values > 0 ? windowSeconds * 1000 * Double(meters * valuesPerPoll) / Double(values) : .infinity
    }

    /// Readings that should have arrived and did not, less those the stop kept from being read (`cutByStop`) and
    /// those waiting in the outbox for the next start (`keptInOutbox`).
    package var lost: Int { max(0, published - received - cutByStop - keptInOutbox) }

    /// Whether every reading the subject read reached the subscriber and none was dropped.
    package var nothingLost: Bool { lost == 0 && dropped == 0 }
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
package func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
