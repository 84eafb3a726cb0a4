package import SerialIO

/// Wire time for a simulated serial line: pseudo-terminals move bytes as fast as the kernel copies them whatever
/// baud rate is set, so a paced simulator holds each reply byte back until a real line would have carried it.
///
/// The model of one transaction on a half-duplex line: the request occupies the line for its own transmission time
/// (the bridge wrote it at once, but a real line would still be carrying it), the meter then waits `turnaround`,
/// and reply byte `i` has fully arrived `(i + 1)` character times after the reply started. A character is
/// `line.bitsPerCharacter` bits long: 11 for 8E1 (start, 8 data, parity, stop), which is what the PRO380 uses for
/// Modbus RTU (9600 8E1 by default) and M-Bus (2400 8E1, EN 13757-2).
package struct LinePacing: Sendable {
    /// The line whose speed and character size set the pace; parity is counted even where a pty cannot apply it.
    package var line: LineSettings
    /// The meter's reaction time between the end of the request and the first reply byte.
    package var turnaround: Duration
    /// Where each paced transaction is written down (the benchmark reads bus-busy time from it); `nil`: nowhere.
    package var recorder: PacingRecorder?

    package init(line: LineSettings, turnaround: Duration = .milliseconds(5), recorder: PacingRecorder? = nil) {
        self.line = line
        self.turnaround = turnaround
        self.recorder = recorder
    }

    /// When the first reply byte may start: the request's own wire time after its first byte arrived, plus the
    /// turnaround.
    package func replyStart(
        requestArrival: ContinuousClock.Instant,
        requestBytes: Int
    ) -> ContinuousClock.Instant {
        requestArrival + line.transmissionTime(characters: requestBytes) + turnaround
    }

    /// The pacing schedule of a reply of `byteCount` bytes: element `i` is when byte `i` has fully arrived,
    /// counted from the reply's start (`(i + 1)` character times; computed per byte, so rounding never adds up).
    package func schedule(byteCount: Int) -> [Duration] {
        (0..<byteCount).map { line.transmissionTime(characters: $0 + 1) }
    }

    /// How many bytes of a reply started at `start` are due at `now` under `schedule`.
    package static func bytesDue(
        schedule: [Duration],
        start: ContinuousClock.Instant,
        now: ContinuousClock.Instant
    ) -> Int {
        var due = 0
        while due < schedule.count, start + schedule[due] <= now { due += 1 }
        return due
    }
}
