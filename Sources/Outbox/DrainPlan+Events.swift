import DequeModule

extension DrainPlan {
    /// The client connected: everything stored so far is the replay lane's (read again from the oldest id: the store
    /// holds only what was not delivered, and in-flight messages are skipped); what is appended from now on is live.
    package mutating func connect() {
        connected = true
        boundary = lastStoredID + 1
        replay = LaneState(buffer: [], cursor: 0, exhausted: false)
        live = LaneState(buffer: [], cursor: lastStoredID)
    }

    /// The client lost its connection: nothing more goes out; the lanes' buffers are dropped (the messages stay
    /// stored). In-flight messages stay in flight: the client resends QoS 1 messages after reconnecting.
    package mutating func disconnect() {
        connected = false
        replay = LaneState()
        live = LaneState()
    }

    /// Messages were stored. While connected they join the live lane's buffer when they follow on from it and fit;
    /// otherwise the live lane reads them from the store later.
    /// - Parameter droppedThrough: every id up to this one was dropped by a bound.
    package mutating func appended(_ entries: [OutboxEntry], droppedThrough: Int64? = nil) {
        if let droppedThrough { dropped(through: droppedThrough) }
        guard let first = entries.first, let last = entries.last else { return }
        for entry in entries { newest[entry.message.topic] = max(newest[entry.message.topic] ?? 0, entry.id) }
        lastStoredID = max(lastStoredID, last.id)
        if !replay.buffer.isEmpty { finishSuperseded() }
        guard connected, first.id == live.cursor + 1, live.buffer.count + entries.count <= bufferLimit else { return }
        live.buffer.append(contentsOf: inFlight.isEmpty ? entries : entries.filter(isWaiting))
        live.cursor = last.id
    }

    /// Stored messages the client already has in flight: the publisher handed them over before storing them and
    /// stored them when their acknowledgement took long, the connection dropped or shutdown began (`Publisher`'s
    /// unstored batches). They count as in flight, so the plan never hands them over a second time nor a newer
    /// message of their topics before them; their outcome comes through `sent` like any other. Call it before
    /// `appended` with the same entries.
    package mutating func adoptInFlight(_ entries: [OutboxEntry]) {
        for entry in entries {
            inFlight[entry.id] = entry.message.topic
            inFlightTopics[entry.message.topic, default: 0] += 1
        }
    }

    /// A bound dropped every stored message up to `id`: forget those still buffered, and do not read them.
    package mutating func dropped(through id: Int64) {
        replay.buffer.removeAll { $0.id <= id }
        live.buffer.removeAll { $0.id <= id }
        replay.cursor = max(replay.cursor, min(id, boundary - 1))
        live.cursor = max(live.cursor, id)
    }

    /// The store reads the lanes need now: a lane whose buffer is below half and that has more to read.
    package func reads() -> [Read] {
        guard connected else { return [] }
        var reads: [Read] = []
        if live.buffer.count < bufferLimit / 2, live.cursor < lastStoredID {
            reads.append(
                Read(
                    lane: .live,
                    after: live.cursor,
                    before: lastStoredID + 1,
                    limit: bufferLimit - live.buffer.count
                )
            )
        }
        if replay.buffer.count < bufferLimit / 2, !replay.exhausted {
            reads.append(
                Read(lane: .replay, after: replay.cursor, before: boundary, limit: bufferLimit - replay.buffer.count)
            )
        }
        return reads
    }

    /// The result of `read`: entries in flight or already finished are skipped; fewer than asked means the lane read
    /// everything below `read.before` (ids below it were all committed when the read was planned). Ignored when the
    /// lane moved since the read was planned (a reset, or live messages that joined its buffer meanwhile).
    package mutating func read(_ read: Read, returned entries: [OutboxEntry]) {
        guard connected else { return }
        let exhausted = entries.count < read.limit
        switch read.lane {
        case .live:
            guard live.cursor == read.after else { return }
            live.buffer.append(contentsOf: entries.filter(isWaiting))
            live.cursor = exhausted ? read.before - 1 : (entries.last?.id ?? live.cursor)
        case .replay:
            guard replay.cursor == read.after, read.before == boundary else { return }
            replay.buffer.append(contentsOf: entries.filter(isWaiting))
            replay.cursor = exhausted ? boundary - 1 : (entries.last?.id ?? replay.cursor)
            replay.exhausted = exhausted
            finishSuperseded()
        }
    }

    /// Finishes the states in the replay lane that a newer message of their topic superseded: they leave the buffer
    /// unsent, and are deleted with the delivered ones. They never take a token from the pacer.
    mutating func finishSuperseded() {
        let newest = self.newest
        let isSuperseded = { (entry: OutboxEntry) in
            entry.message.latestOnly && (newest[entry.message.topic] ?? entry.id) > entry.id
        }
        guard replay.buffer.contains(where: isSuperseded) else { return }
        for entry in replay.buffer where isSuperseded(entry) {
            finished.insert(entry.id)
            superseded += 1
        }
        replay.buffer.removeAll(where: isSuperseded)
    }

    /// The next message to publish at `now`: live first, then the replay when the pacer allows; within a lane the
    /// oldest whose topic has nothing in flight (and no older message of that topic waiting before it).
    /// - Parameter replaying: `false` leaves the backlog where it is (at shutdown only live messages go).
    package mutating func next(at now: ContinuousClock.Instant, replaying: Bool = true) -> Next {
        guard connected, inFlight.count < window else { return .idle }
        if let send = take(.live) { return .send(send) }
        guard replaying, Self.sendableIndex(replay.buffer, blocked: inFlightTopics) != nil else { return .idle }
        guard pacer.take(at: now) else { return .wait(until: pacer.nextToken(after: now)) }
        return take(.replay).map(Next.send) ?? .idle
    }

    /// The publication of `id` ended.
    package mutating func sent(_ id: Int64, outcome: Outcome) {
        guard let topic = inFlight.removeValue(forKey: id) else { return }
        if let count = inFlightTopics[topic], count > 1 {
            inFlightTopics[topic] = count - 1
        } else {
            inFlightTopics.removeValue(forKey: topic)
        }
        switch outcome {
        case .delivered, .refused: finished.insert(id)
        case .notSent: break
        }
    }

    /// The finished ids were deleted from the store.
    package mutating func deleted(_ ids: some Sequence<Int64>) {
        finished.subtract(ids)
    }

    private func isWaiting(_ entry: OutboxEntry) -> Bool {
        inFlight[entry.id] == nil && !finished.contains(entry.id)
    }

    private mutating func take(_ lane: Lane) -> Send? {
        // No local copy of the buffer: a second reference would make the removal below copy the whole deque.
        let index =
            lane == .live
            ? Self.sendableIndex(live.buffer, blocked: inFlightTopics)
            : Self.sendableIndex(replay.buffer, blocked: inFlightTopics)
        guard let index else { return nil }
        let entry = lane == .live ? live.buffer.remove(at: index) : replay.buffer.remove(at: index)
        let topic = entry.message.topic
        inFlight[entry.id] = topic
        inFlightTopics[topic, default: 0] += 1
        let retain = entry.message.retain && (newest[topic] ?? entry.id) <= entry.id
        return Send(entry: entry, retain: retain, lane: lane)
    }

    /// The first entry whose topic has nothing in flight and no earlier entry in `buffer`.
    static func sendableIndex(_ buffer: Deque<OutboxEntry>, blocked: [String: Int]) -> Int? {
        if let first = buffer.first, blocked[first.message.topic] == nil { return 0 }
        var seen: Set<String> = []
        for (index, entry) in buffer.enumerated() where blocked[entry.message.topic] == nil {
            if seen.insert(entry.message.topic).inserted { return index }
        }
        return nil
    }
}
