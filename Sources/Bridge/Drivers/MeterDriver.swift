package import PRO380

/// A meter as the poller and the command handler see it, whatever protocol reaches it.
///
/// Purpose: the Modbus, M-Bus and IEC 62056-21 drivers each turn their protocol's frames into `Reading`s with the
/// vocabulary's keys and units; nothing above this protocol knows about frames, and nothing below it knows MQTT.
/// A driver runs its transactions through its bus's `BusLine`, one at a time, so a command that arrives during a
/// poll runs at the next transaction boundary.
package protocol MeterDriver: Sendable {
    /// Reads every key of `groups` now.
    /// - Returns: the readings that decoded and passed their checks, the failures, and whether the meter answered
    ///   at all (an exception or refusal is an answer; a timeout or a corrupt frame is not).
    func poll(groups: Set<PollGroup>) async -> PollOutcome

    /// Reads the given keys now (an MQTT `get`), with command priority.
    func read(keys: [String]) async -> PollOutcome

    /// Writes a validated command with command priority, then confirms it: reads the register back where the
    /// meter has one (answering only when it matches), else takes the meter's acknowledgement as confirmation.
    /// - Throws: `CommandError` saying whether the meter refused, timed out, or read back another value.
    func write(_ command: MeterCommand) async throws -> CommandConfirmation

    /// The keys this meter has refused (PRO1-only rows), so discovery and `get` can leave them out.
    func refusedKeys() async -> Set<String>

    /// The counters behind `<base>/<meter>/diagnostics`.
    func diagnostics() async -> MeterDiagnostics
}

/// What one poll brought.
package struct PollOutcome: Sendable {
    /// Readings that decoded and passed the plausibility checks.
    package var readings: [Reading]
    /// Keys that could not be read this time, with the reason (logged; never published as values).
    package var failures: [ReadFailure]
    /// Whether the meter answered at least one transaction (availability counts this).
    package var meterAnswered: Bool

    package init(readings: [Reading] = [], failures: [ReadFailure] = [], meterAnswered: Bool) {
        self.readings = readings
        self.failures = failures
        self.meterAnswered = meterAnswered
    }
}

/// What only a driver counts: its polls and the values it refused after decoding. Transactions are counted by
/// the bus's `BusLine`.
package struct PollCounters: Sendable, Equatable {
    package var polls = 0
    /// Polls the meter did not answer at all.
    package var failedPolls = 0
    /// Values refused after decoding (implausible, a counter that fell).
    package var rejectedValues = 0

    package init() {}
}

/// Per-meter counters, published retained under `<base>/<meter>/diagnostics` (keys in docs/diagnostics.md): the
/// driver's poll counters and the meter's transaction counters from its bus's `BusLine`, each counted once.
/// Their fields read and write through (`diagnostics.polls`, `diagnostics.timeouts`).
@dynamicMemberLookup
package struct MeterDiagnostics: Sendable, Equatable {
    package var driver = PollCounters()
    package var line = TransactionCounters()
    /// The Modbus register map the meter answers (`current`, `legacy_v1.14`); `nil` before the first contact and
    /// for other protocols.
    package var registerMap: RegisterMap?
    /// The keys heard at least once, for a meter on a listen-only bus (the registers its master reads); `nil`
    /// (and left out of the JSON) for a polled meter.
    package var keysSeen: [String]?

    package init() {}

    package init(_ driver: PollCounters, _ line: TransactionCounters) {
        self.driver = driver
        self.line = line
    }

    package subscript<T>(dynamicMember keyPath: WritableKeyPath<PollCounters, T>) -> T {
        get { driver[keyPath: keyPath] }
        set { driver[keyPath: keyPath] = newValue }
    }

    package subscript<T>(dynamicMember keyPath: WritableKeyPath<TransactionCounters, T>) -> T {
        get { line[keyPath: keyPath] }
        set { line[keyPath: keyPath] = newValue }
    }

    /// The JSON object, keys in a stable order.
    package var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("polls", .integer(driver.polls)),
            ("failed_polls", .integer(driver.failedPolls)),
            ("transactions", .integer(line.transactions)),
            ("timeouts", .integer(line.timeouts)),
            ("protocol_errors", .integer(line.protocolErrors)),
            ("exceptions", .integer(line.exceptions)),
            ("rejected_values", .integer(driver.rejectedValues)),
            ("stray_bytes", .integer(line.recoveries.strayBytes)),
            ("last_round_trip_ms", line.lastRoundTrip.map { .fixed($0.milliseconds, digits: 1) } ?? .null),
            ("register_map", .string(registerMap?.rawValue)),
        ]
        if let keysSeen { members.append(("keys_seen", .array(keysSeen.map { .string($0) }))) }
        return .object(members)
    }
}
