import Foundation
package import Logging
package import MQTT
package import Outbox
package import PRO380

/// Turns readings, availability and diagnostics into MQTT messages and sends them through the durable outbox.
///
/// A message is appended to the `Outbox` (one SQLite transaction per burst) before it is handed to the client, and
/// deleted once the broker acknowledged it (PUBACK for QoS 1, hand-off for QoS 0), so readings survive a broker
/// outage, a restart, a crash or a power cut while they wait. While the store holds nothing waiting, readings skip
/// it (`handWithoutStoring`): QoS 0 ones for good, QoS 1 ones until their PUBACKs, stored only if those take long,
/// the connection drops or shutdown begins (`Publisher+Unstored.swift`; `writeAhead` stores them first instead).
/// `publish` returns once the messages are stored or handed over; a
/// poller waits for the broker only while it is behind (`PublishAdmission`, at most `longestAdmissionWait`). `run()`
/// sends what is stored whenever the client is connected: what was
/// stored before the connection came up is replayed in order at `replayRate`, live messages go at once meanwhile,
/// and `DrainPlan` keeps the newest message of each topic the retained one (see docs/outbox.md). A message that
/// cannot be stored (disk full) is dropped and counted, and polling goes on. The publisher never sees frames.
package actor Publisher {
    enum Event: Sendable {
        case wake
        case connection(MQTTConnectionState)
        case sent([(Int64, DrainPlan.Outcome)])
        /// A timer armed for this instant (`schedule`) expired.
        case tick(ContinuousClock.Instant)
        case expire
        /// Shutdown: send what is live, wait for its acknowledgements, end by this instant (`finish(by:)`).
        case finish(ContinuousClock.Instant)
    }

    /// Acknowledged messages are deleted from the store in batches of this many (a drain buffer: about three polls
    /// of 70 readings), or after `deleteDelay`: one commit (and fsync) per batch. A crash resends at most what was
    /// acknowledged and not yet deleted (QoS 1 allows the duplicate).
    static let deleteBatch = 256
    static let deleteDelay = Duration.seconds(1)
    /// The shortest wait between two pacing wake-ups of the replay.
    static let pacingGranularity = Duration.milliseconds(10)
    /// How often `max_age` is enforced when nothing is appended.
    static let expiryInterval = Duration.seconds(60)

    let client: MQTTClient
    private let topics: TopicLayout
    let qos: QoS
    let logger: Logger
    let outbox: Outbox
    /// `outbox.write_ahead`: QoS 1 readings are stored before they are handed over, never unstored.
    let writeAhead: Bool
    var plan: DrainPlan
    let events: AsyncStream<Event>
    let sink: AsyncStream<Event>.Continuation
    /// The earliest pending timer (pacing, delayed deletes, admission, unstored batches, shutdown).
    var timer = DrainTimer()
    var deleteDue: ContinuousClock.Instant?
    /// Set once shutdown asked the loop to end (`finish(by:)`): it ends when the live messages are acknowledged, the
    /// connection is gone, or this instant passed.
    var finishBy: ContinuousClock.Instant?
    /// Whether the client was connected at least once in this run (the first connection replays only what was
    /// stored before the start as a backlog, see `reportReplay`).
    var connectedOnce = false
    /// Whether `run()`, asked to finish, ended with every live message acknowledged (false: the deadline passed or
    /// the connection was gone; those messages stay stored).
    package internal(set) var finishedAcknowledged = false
    /// Set while the store refuses writes: when it started, the last refusal, how many messages were lost since.
    var storeFailure: (since: Date, last: ContinuousClock.Instant, dropped: Int)?
    /// A failing store counts as recovered once it took writes for this long without refusing one (a nearly full
    /// disk may take a small batch between refusals: one error line per episode, not one per poll).
    static let storeRecovery = Duration.seconds(10)
    package internal(set) var published = 0
    /// `plan.superseded` when last logged.
    var supersededLogged = 0
    /// Backpressure on pollers while the broker is slower than they are (`PublishAdmission`).
    var admission: PublishAdmission
    var admissionWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    /// Whether `run()` drains (the gate holds only then, and only while connected).
    var draining = false
    /// What was published per meter (keys, identity values, availability), for discovery and diagnostics.
    package let ledger: MeterLedger
    /// QoS 1 polls handed to the client without being stored, oldest first, until their acknowledgements are in
    /// (`Publisher+Unstored.swift`), and how many messages they hold.
    var unstored: [UnstoredBatch] = []
    var unstoredCount = 0
    /// When the newest unstored batch was handed over.
    var lastUnstoredAt: ContinuousClock.Instant?
    /// How many stores of unstored batches are under way: until they are stored and in the plan, nothing more goes
    /// unstored (it would pass them by, and with a broker that does not answer, pile up in libmosquitto unbounded).
    var storingUnstored = 0
    /// The acknowledgements of unstored messages stored while still due, for the run loop to collect.
    var adoptedAcknowledgements: [PendingAcknowledgements] = []

    /// - Parameters:
    ///   - outbox: the opened outbox; the publisher sends what it already holds once connected.
    ///   - replayRate: messages per second for the backlog (live messages are not paced).
    ///   - writeAhead: store every QoS 1 reading before it is handed over (`outbox.write_ahead`), instead of only
    ///     what is not acknowledged in time (`Publisher+Unstored.swift`).
    ///   - longestAdmissionWait: the longest a poll waits for a broker that is behind (`PublishAdmission`).
    package init(
        client: MQTTClient,
        topics: TopicLayout,
        qos: QoS,
        outbox: Outbox,
        replayRate: Double = OutboxSettings.defaultReplayRate,
        writeAhead: Bool = false,
        ledger: MeterLedger = MeterLedger(),
        longestAdmissionWait: Duration = Publisher.longestAdmissionWait,
        logger: Logger
    ) {
        self.client = client
        self.ledger = ledger
        self.topics = topics
        self.qos = qos
        self.outbox = outbox
        self.writeAhead = writeAhead
        self.logger = logger
        plan = DrainPlan(lastStoredID: outbox.lastIDAtOpen, newest: outbox.newestAtOpen, replayRate: replayRate)
        admission = PublishAdmission(bound: plan.bufferLimit, longestWait: longestAdmissionWait)
        (events, sink) = AsyncStream.makeStream(of: Event.self)
    }

    /// Stores each reading, retained, for `<base>/<meter>/<key>` (QoS 0 while nothing is stored: hands it over
    /// without storing, `handWithoutStoring`). While connected, waits first if the broker is
    /// behind (more than a drain buffer of live messages queued; `PublishAdmission`), at most
    /// `longestAdmissionWait`.
    package func publish(meter: String, readings: [Reading]) async {
        ledger.record(meter: meter, readings: readings)
        let messages = zip(readings, ReadingPayload.payloads(readings)).map {
            OutboxMessage(
                topic: topics.reading(meter: meter, key: $0.key),
                payload: $1,
                qos: qos.rawValue,
                retain: true
            )
        }
        // Settled first, so the admission counts only the unstored batches still due.
        await settleUnstored(at: .now)
        await admit(messages.count)
        await store(handWithoutStoring(messages))
        admission.stored(messages.count)
        // A poll handed straight to the client ends here without a store event: the run loop looks at the polls
        // waiting for room again (their room may have been this poll's admission).
        if !admission.waiting.isEmpty { sink.yield(.wake) }
    }

    /// Messages go straight to libmosquitto while the outbox holds nothing waiting (`DrainPlan.isIdle`): QoS 0
    /// ones (readings at QoS 0, diagnostics) for good, a poll of QoS 1 readings as an unstored batch that is stored
    /// only if its acknowledgements do not all come in time (`Publisher+Unstored.swift`). Returns those that must
    /// be stored (all of them otherwise, and any libmosquitto did not take).
    ///
    /// Why not store them first: at QoS 0 a message is deleted from the outbox as soon as libmosquitto took it, and
    /// at QoS 1 as soon as its PUBACK came, usually within a millisecond. Storing it first protects only that
    /// instant, and costs a SQLite transaction per poll and its delete: a third of the bridge's CPU at QoS 1 with
    /// one meter every 100 ms (docs/performance.md, stop 24). Whatever libmosquitto did not take (no connection)
    /// is stored as before; while anything is stored, everything goes through the store, so no topic's messages
    /// change order.
    private func handWithoutStoring(_ messages: [OutboxMessage], afterFailedStore: Bool = false) -> [OutboxMessage] {
        // While the store refuses writes (a full disk) everything goes to the store first, so the first write it
        // takes again ends the episode with its "storing again" line; what it refuses comes back here
        // (`afterFailedStore`) and goes to a connected broker rather than being dropped (QoS 0 only: a QoS 1
        // reading that could not be stored could not be stored later either).
        // Nor while libmosquitto holds a drain buffer of unwritten messages: a poll admitted after its longest
        // wait (a connected broker that reads nothing) is stored, so it survives the connection's end.
        let qos0 = messages.allSatisfy { $0.qos == QoS.atMostOnce.rawValue }
        let qos1 = messages.allSatisfy { $0.qos == QoS.atLeastOnce.rawValue }
        guard qos0 || (qos1 && !writeAhead), storeFailure == nil || (afterFailedStore && qos0), sendsWithoutStoring,
            qos0 || unstoredCount + messages.count <= plan.bufferLimit
        else { return messages }
        let batch = client.publish(
            batch: messages.map {
                MQTTMessageDraft(
                    topic: $0.topic,
                    payload: $0.payload,
                    qos: qos0 ? .atMostOnce : .atLeastOnce,
                    retain: $0.retain
                )
            }
        )
        var rest: [OutboxMessage] = []
        for (message, outcome) in zip(messages, batch.outcomes) {
            // The drain's own mapping (and its log line for a refusal); nil: a QoS 1 PUBACK is due.
            switch outcome.map({ Self.outcome($0, topic: message.topic, logger: logger) }) {
            case .delivered: published += 1
            case .refused, nil: break
            case .notSent: rest.append(message)
            }
        }
        if batch.awaitsAcknowledgements { keepUnstored(messages, batch) }
        return rest
    }

    /// Whether a poll would go to the broker now without the store (`handWithoutStoring`): draining, connected as
    /// the drain loop has seen it, not finishing, nothing stored or in flight before it, and libmosquitto holding
    /// less than a drain buffer unwritten.
    package var sendsWithoutStoring: Bool {
        draining && finishBy == nil && storingUnstored == 0 && plan.isIdle && client.state == .connected
            && client.unwrittenMessages < plan.bufferLimit
    }

    /// Stores `online` or `offline`, retained, for `<base>/<meter>/availability`: a state (`latestOnly`), so an older
    /// one still stored (a backlog from an outage or the previous run) is not replayed after it.
    package func publishAvailability(meter: String, online: Bool) async {
        ledger.record(meter: meter, online: online)
        await store([
            OutboxMessage(
                topic: topics.availability(meter: meter),
                payload: Array((online ? "online" : "offline").utf8),
                qos: QoS.atLeastOnce.rawValue,
                retain: true,
                latestOnly: true
            )
        ])
    }

    /// Stores a retained JSON document for `topic` (diagnostics), QoS 0: handed over without storing while nothing
    /// is stored (`handWithoutStoring`), like QoS 0 readings. A state (`latestOnly`), its counters as of now: an
    /// older one still stored is not replayed after it.
    package func publishRetained(topic: String, json: String) async {
        let document = OutboxMessage(topic: topic, payload: Array(json.utf8), qos: 0, retain: true, latestOnly: true)
        await store(handWithoutStoring([document]))
    }

    /// Publishes `offline` for the bridge, retained, straight to the broker at shutdown (after `run()` ended);
    /// when the connection dies instead, the will says the same.
    /// - Returns: whether the broker acknowledged it.
    package func publishBridgeOffline() async -> Bool {
        guard client.state == .connected else { return false }
        do {
            try await client.publish(
                MQTTMessageDraft(topic: topics.bridgeState, payload: "offline", qos: .atLeastOnce, retain: true)
            )
            return true
        } catch {
            return false
        }
    }

    /// The outbox's figures, for diagnostics.
    package var outboxStatistics: Outbox.Statistics {
        get async { await outbox.statistics }
    }

    /// Whether the outbox keeps its messages for the next start (on disk; `outbox.enabled: false` keeps them in
    /// memory only).
    package nonisolated var outboxIsPersistent: Bool { outbox.isPersistent }

    /// How many messages the outbox holds (stored, not yet acknowledged); the bounded shutdown counts what stays.
    package var queuedCount: Int {
        get async { await outbox.statistics.count }
    }

    /// Closes the outbox (after `run()` ended, at shutdown).
    package func close() async {
        sink.finish()
        await outbox.close()
    }

    /// Stores `messages` after whatever was handed over unstored and is not acknowledged yet (so nothing stored
    /// overtakes it), and tells the plan.
    func store(_ messages: [OutboxMessage]) async {
        guard !messages.isEmpty else { return }
        await storeUnstored()
        await append(messages)
    }

    /// Appends `messages` to the outbox and tells the plan; those at `inFlight` (positions in `messages`) the client
    /// already has in flight (`adoptInFlight`). Returns the stored entries, nil when the store refused them: they
    /// are dropped and counted, but for QoS 0 messages a connected broker takes instead.
    @discardableResult
    func append(_ messages: [OutboxMessage], inFlight: [Int] = []) async -> [OutboxEntry]? {
        guard !messages.isEmpty else { return [] }
        do {
            let append = try await outbox.append(messages)
            if let failure = storeFailure, ContinuousClock.now - failure.last >= Self.storeRecovery {
                storeFailure = nil
                logger.notice(
                    "outbox: storing again in \(outbox.path); \(failure.dropped) messages could not be stored since \(Timestamp.rfc3339(failure.since)) and were dropped"
                )
            }
            if let through = append.droppedThrough { await reportBoundDrops(through: through) }
            if !inFlight.isEmpty { plan.adoptInFlight(inFlight.map { append.entries[$0] }) }
            plan.appended(append.entries, droppedThrough: append.droppedThrough)
            sink.yield(.wake)
            return append.entries
        } catch {
            if storeFailure == nil {
                storeFailure = (Date(), .now, 0)
                logger.error(
                    "outbox: cannot store messages (\(error)): QoS 0 readings go straight to the broker while it is connected, the rest are dropped and counted in dropped_messages; polling goes on"
                )
            }
            storeFailure?.last = .now
            // QoS 0 readings need no store while the broker is connected and nothing waits before them. Those the
            // client has in flight already stay with it: they are counted as dropped, not being stored.
            let notHanded =
                inFlight.isEmpty ? messages : messages.indices.filter { !inFlight.contains($0) }.map { messages[$0] }
            let kept = handWithoutStoring(notHanded, afterFailedStore: true)
            let handed = notHanded.count - kept.count
            if handed > 0 { await outbox.deliveredDespiteFailedAppend(handed) }
            storeFailure?.dropped += kept.count + inFlight.count
            return nil
        }
    }

    private var lastReportedDrops = Outbox.Drops()

    func reportBoundDrops(through: Int64) async {
        let drops = await outbox.statistics.drops
        let bytes = drops.maxBytes - lastReportedDrops.maxBytes
        let age = drops.maxAge - lastReportedDrops.maxAge
        lastReportedDrops = drops
        if bytes > 0 { logger.warning("outbox full (max_bytes): dropped the \(bytes) oldest messages") }
        if age > 0 { logger.warning("outbox: dropped \(age) messages older than max_age") }
    }
}
