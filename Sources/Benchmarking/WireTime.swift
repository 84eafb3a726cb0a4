package import Modbus
package import PRO380
package import SerialIO
package import Simulator

/// One request and its reply on a serial line, in bytes.
package struct WireExchange: Sendable, Equatable {
    package var requestBytes: Int
    package var replyBytes: Int

    package init(requestBytes: Int, replyBytes: Int) {
        self.requestBytes = requestBytes
        self.replyBytes = replyBytes
    }
}

/// The least time a poll cycle can keep a half-duplex line busy, and what a paced simulator measured.
package enum WireTime {
    /// The function-03 blocks of a full poll (every group) of a meter that answers every row, at `maxRegisters`:
    /// what the bridge's planner reads (3 blocks for a PRO380 at 125).
    package static func fullPollBlocks(table: RegisterTable = .pro380, maxRegisters: Int = 125) -> [ReadBlock] {
        let spans = table.definitions.compactMap { row in
            row.modbus.map { RegisterSpan(address: $0.address, count: $0.count) }
        }
        return ReadPlanner(maxRegisters: maxRegisters).plan(spans)
    }

    /// Modbus RTU exchanges for `blocks`: a request is unit, function, address, count and CRC (8 bytes); a reply
    /// is unit, function, byte count, 2 bytes per register and CRC (5 + 2n). Modbus over Serial Line 2.5.1.
    package static func modbusRTU(_ blocks: [ReadBlock]) -> [WireExchange] {
        blocks.map { WireExchange(requestBytes: 8, replyBytes: 5 + 2 * $0.count) }
    }

    /// The least bus time of one cycle: for every meter, every exchange's bytes at the line's character time
    /// (11 bits for 8E1), the meter's turnaround, and the silence the protocol requires before each request
    /// (Modbus RTU t3.5; none for M-Bus).
    package static func minimumCycle(
        exchanges: [WireExchange],
        meters: Int,
        line: LineSettings,
        turnaround: Duration,
        silenceBeforeRequest: Duration
    ) -> Duration {
        let perMeter = exchanges.reduce(Duration.zero) { total, exchange in
            total + line.transmissionTime(characters: exchange.requestBytes + exchange.replyBytes) + turnaround
                + silenceBeforeRequest
        }
        return perMeter * meters
    }

    /// What a paced simulator recorded, per cycle of `perCycle` transactions: the time from one cycle's first
    /// request to the next cycle's (the whole cycles among `transactions`), and the time the line carried
    /// transactions (request start to reply end). `nil` when not one whole cycle was recorded.
    package static func measuredCycle(
        _ transactions: [PacedTransaction],
        perCycle: Int
    ) -> (cycle: Duration, occupied: Duration, cycles: Int)? {
        guard perCycle > 0 else { return nil }
        let cycles = (transactions.count - 1) / perCycle
        guard cycles >= 1 else { return nil }
        let used = transactions.prefix(cycles * perCycle + 1)
        let span = used.last!.requestArrival - used.first!.requestArrival
        let occupied = used.dropLast().reduce(Duration.zero) { $0 + ($1.replyEnd - $1.requestArrival) }
        return (span / cycles, occupied / cycles, cycles)
    }
}

/// One line of the wire-time table.
package struct WireFigures: Sendable, Equatable, Codable {
    package var protocolName: String
    package var meters: Int
    package var baudRate: Int
    package var turnaroundMilliseconds: Double
    package var transactionsPerCycle: Int
    package var cycles: Int
    /// The computed least cycle time, ms.
    package var minimumMilliseconds: Double
    /// The measured cycle time (bus-busy time per cycle), ms.
    package var cycleMilliseconds: Double
    /// The time the line carried transactions per cycle, ms (the rest is the bridge's own gaps).
    package var occupiedMilliseconds: Double

    package init(
        protocolName: String,
        meters: Int,
        baudRate: Int,
        turnaroundMilliseconds: Double,
        transactionsPerCycle: Int,
        cycles: Int,
        minimumMilliseconds: Double,
        cycleMilliseconds: Double,
        occupiedMilliseconds: Double
    ) {
        self.protocolName = protocolName
        self.meters = meters
        self.baudRate = baudRate
        self.turnaroundMilliseconds = turnaroundMilliseconds
        self.transactionsPerCycle = transactionsPerCycle
        self.cycles = cycles
        self.minimumMilliseconds = minimumMilliseconds
        self.cycleMilliseconds = cycleMilliseconds
        self.occupiedMilliseconds = occupiedMilliseconds
    }

    /// Minimum over measured: 1 is a line never idle beyond what the protocol requires (goal: at least 0.95).
    package var efficiency: Double { cycleMilliseconds > 0 ? minimumMilliseconds / cycleMilliseconds : 0 }
}

extension Duration {
    /// The duration in milliseconds, as a `Double`.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
