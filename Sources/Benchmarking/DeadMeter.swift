package import Simulator

/// What a paced line recorded with a dead meter on it (issue 13 part 5): the healthy meters' poll cycle, the
/// longest transaction, and how long each command waited for the line. Pure: the benchmark hands in the recorded
/// transactions and the instants it published its commands.
package enum DeadMeterAnalysis {
    /// The mean poll cycle of the healthy `units`: for each, the time from its first to its last poll start divided
    /// by the polls between; the mean over the units. A poll starts with the transaction to the unit whose reply
    /// has `pollStartReplyBytes` (the plan's first block). `nil` when no unit was polled twice.
    package static func cycle(
        _ transactions: [PacedTransaction],
        units: [UInt8],
        pollStartReplyBytes: Int
    ) -> Duration? {
        let cycles = units.compactMap { unit -> Duration? in
            let starts = transactions.filter { $0.unit == unit && $0.replyBytes == pollStartReplyBytes }
            guard starts.count >= 2 else { return nil }
            return (starts.last!.requestArrival - starts.first!.requestArrival) / (starts.count - 1)
        }
        guard !cycles.isEmpty else { return nil }
        return cycles.reduce(.zero, +) / cycles.count
    }

    /// How long each transaction held the line: request start to reply end; for a request nobody answered, until
    /// the next request started (the master's timeout, plus the silence before the next request). The last
    /// transaction counts only when answered.
    package static func holdTimes(_ transactions: [PacedTransaction]) -> [Duration] {
        transactions.indices.compactMap { index in
            let transaction = transactions[index]
            if transaction.replyBytes > 0 { return transaction.replyEnd - transaction.requestArrival }
            guard index + 1 < transactions.count else { return nil }
            return transactions[index + 1].requestArrival - transaction.requestArrival
        }
    }

    /// For each command published at an instant of `published`, the wait until its request reached the line: the
    /// first transaction to `unit` with a reply of `replyBytes` that arrived after the instant. Commands whose
    /// request was not recorded are left out.
    package static func commandWaits(
        published: [ContinuousClock.Instant],
        _ transactions: [PacedTransaction],
        unit: UInt8,
        replyBytes: Int
    ) -> [Duration] {
        let commands = transactions.filter { $0.unit == unit && $0.replyBytes == replyBytes }
        var next = commands.startIndex
        var waits: [Duration] = []
        for instant in published.sorted() {
            while next < commands.endIndex && commands[next].requestArrival < instant { next += 1 }
            guard next < commands.endIndex else { break }
            waits.append(commands[next].requestArrival - instant)
            next += 1
        }
        return waits
    }
}

/// One scenario of the dead-meter benchmark.
package struct DeadMeterFigures: Sendable, Equatable, Codable {
    /// `healthy` (the healthy meters alone) or `dead` (the same with one meter that never answers).
    package var scenario: String
    package var healthyMeters: Int
    package var deadMeters: Int
    package var windowSeconds: Double
    /// The healthy meters' mean poll cycle, ms.
    package var cycleMilliseconds: Double
    /// Requests to the dead meter in the window (its probes).
    package var deadRequests: Int
    /// Commands measured, their median and longest wait for the line, ms.
    package var commands: Int
    package var medianWaitMilliseconds: Double
    package var longestWaitMilliseconds: Double
    /// The longest time one transaction held the line in the window, ms.
    package var longestTransactionMilliseconds: Double

    package init(
        scenario: String,
        healthyMeters: Int,
        deadMeters: Int,
        windowSeconds: Double,
        cycleMilliseconds: Double,
        deadRequests: Int,
        commands: Int,
        medianWaitMilliseconds: Double,
        longestWaitMilliseconds: Double,
        longestTransactionMilliseconds: Double
    ) {
        self.scenario = scenario
        self.healthyMeters = healthyMeters
        self.deadMeters = deadMeters
        self.windowSeconds = windowSeconds
        self.cycleMilliseconds = cycleMilliseconds
        self.deadRequests = deadRequests
        self.commands = commands
        self.medianWaitMilliseconds = medianWaitMilliseconds
        self.longestWaitMilliseconds = longestWaitMilliseconds
        self.longestTransactionMilliseconds = longestTransactionMilliseconds
    }

    /// The longest command wait over the longest transaction (goal: at most 1.1).
    package var waitRatio: Double {
        longestTransactionMilliseconds > 0 ? longestWaitMilliseconds / longestTransactionMilliseconds : 0
    }
}
