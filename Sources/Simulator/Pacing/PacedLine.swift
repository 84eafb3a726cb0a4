package import SerialIO

/// The server side of a paced line: remembers when the current request started arriving and how long it is, and
/// sends replies byte by byte on `LinePacing`'s schedule. Without pacing, replies go out at once.
///
/// One per served transport (a half-duplex line has one transaction at a time); not shared between tasks.
package struct PacedLine: Sendable {
    package let pacing: LinePacing?
    private var requestArrival: ContinuousClock.Instant?
    private var requestBytes = 0

    package init(pacing: LinePacing?) { self.pacing = pacing }

    /// Notes bytes that arrived now (the first after a reply starts the next request).
    package mutating func received(_ count: Int, at now: ContinuousClock.Instant = .now) {
        if requestArrival == nil { requestArrival = now }
        requestBytes += count
    }

    /// Notes that the request decoded so far gets no reply (a broadcast, another unit's silence): the next bytes
    /// start a new request. Recorded as a transaction without reply bytes (the line carried the request; a dead
    /// meter's timeout follows it).
    package mutating func skipped(unit: UInt8? = nil, at now: ContinuousClock.Instant = .now) {
        if let recorder = pacing?.recorder {
            let arrival = requestArrival ?? now
            recorder.record(
                PacedTransaction(
                    requestArrival: arrival,
                    replyEnd: arrival,
                    requestBytes: requestBytes,
                    replyBytes: 0,
                    unit: unit
                )
            )
        }
        requestArrival = nil
        requestBytes = 0
    }

    /// Sends `reply` paced (or at once without pacing), records the transaction (to `unit`) and starts a new request.
    /// - Throws: the transport's error.
    package mutating func send(_ reply: [UInt8], on transport: any Transport, unit: UInt8? = nil) async throws {
        defer {
            requestArrival = nil
            requestBytes = 0
        }
        guard let pacing else {
            try await transport.write(reply)
            return
        }
        let clock = ContinuousClock()
        let arrival = requestArrival ?? clock.now
        let start = pacing.replyStart(requestArrival: arrival, requestBytes: requestBytes)
        let schedule = pacing.schedule(byteCount: reply.count)
        var sent = 0
        while sent < reply.count {
            try await clock.sleep(until: start + schedule[sent], tolerance: .zero)
            let due = LinePacing.bytesDue(schedule: schedule, start: start, now: clock.now)
            try await transport.write(Array(reply[sent..<max(due, sent + 1)]))
            sent = max(due, sent + 1)
        }
        pacing.recorder?.record(
            PacedTransaction(
                requestArrival: arrival,
                replyEnd: clock.now,
                requestBytes: requestBytes,
                replyBytes: reply.count,
                unit: unit
            )
        )
    }
}
