package import SerialIO

/// How an `MBusClient` drives its bus: line settings, timeouts, retries and readout limits.
package struct MBusClientConfiguration: Sendable, Equatable {
    /// The line the meters talk on: 2400 8E1 by default (manual A2.1), 300 ... 9600 baud.
    package var line: LineSettings
    /// How long to wait for the first byte of a reply; `nil` means the EN 13757-2 slave response time, 330 bit
    /// times + 50 ms (187.5 ms at 2400 baud), plus `extraLatency`.
    package var replyTimeout: Duration?
    /// How long a pause between two bytes of one frame may be; `nil` means 4 character times + 50 ms, plus
    /// `extraLatency`.
    package var interCharacterTimeout: Duration?
    /// Added to the computed timeouts: the round trip of a TCP gateway.
    package var extraLatency: Duration
    /// How often a request is sent when no or only a garbled reply came (EN 13757-2 allows 1 + 2 repeats).
    package var attempts: Int
    /// The pause after a secondary-address selection before the REQ_UD2 (gateways need a moment).
    package var selectionPause: Duration
    /// The most telegrams one multi-telegram readout may take.
    package var maximumTelegrams: Int
    /// How many telegrams with an unchanged access number a readout tolerates before giving up.
    package var maximumRepeats: Int

    package init(
        line: LineSettings = LineSettings(baudRate: 2400),
        replyTimeout: Duration? = nil,
        interCharacterTimeout: Duration? = nil,
        extraLatency: Duration = .zero,
        attempts: Int = 3,
        selectionPause: Duration = .zero,
        maximumTelegrams: Int = 16,
        maximumRepeats: Int = 3
    ) {
        self.line = line
        self.replyTimeout = replyTimeout
        self.interCharacterTimeout = interCharacterTimeout
        self.extraLatency = extraLatency
        self.attempts = attempts
        self.selectionPause = selectionPause
        self.maximumTelegrams = maximumTelegrams
        self.maximumRepeats = maximumRepeats
    }

    /// The effective wait for the first reply byte.
    package var effectiveReplyTimeout: Duration {
        replyTimeout ?? .microseconds(330 * 1_000_000 / Int64(max(line.baudRate, 1))) + .milliseconds(50) + extraLatency
    }

    /// The effective wait between bytes of one frame.
    package var effectiveInterCharacterTimeout: Duration {
        interCharacterTimeout ?? line.transmissionTime(characters: 4) + .milliseconds(50) + extraLatency
    }
}
