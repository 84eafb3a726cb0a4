package import SerialIO

/// An M-Bus master over one `Transport` (EN 13757-2/-3): readouts by primary or secondary address, writes,
/// baud-rate changes and the secondary-address search.
///
/// A plain class, not `Sendable`: the bridge's `BusLine` owns it and runs its methods on the bus actor's executor
/// (they are `nonisolated(nonsending)`), one transaction at a time; the line's gate is the only queue. Every
/// public method runs inside `exclusive`, which refuses a second transaction started while one runs (a reentrant
/// call) instead of interleaving frames on the half-duplex bus. It keeps the FCB state per primary address (after
/// SND_NKE the next FCV frame carries FCB = 1, and the bit toggles after every answered FCV frame; a repeat after a
/// lost reply keeps it, so the meter resends instead of moving on).
package final class MBusClient {
    package let transport: any Transport
    package private(set) var configuration: MBusClientConfiguration
    /// The FCB the next FCV frame to each primary address carries.
    var nextFCB: [UInt8: Bool] = [:]
    private var busy = false

    package init(transport: any Transport, configuration: MBusClientConfiguration = MBusClientConfiguration()) {
        self.transport = transport
        self.configuration = configuration
    }

    /// Runs `body` as the only transaction on the bus.
    /// - Throws: `MBusError.busy` when another transaction is running; whatever `body` throws.
    func exclusive<T>(_ body: () async throws -> T) async throws -> T {
        guard !busy else { throw MBusError.busy }
        busy = true
        defer { busy = false }
        return try await body()
    }

    /// Runs `body` with every request sent at most `attempts` times (a probe of a meter that stopped answering:
    /// one timeout, not one per repeat), then restores the configured attempts.
    package func withAttempts<T>(_ attempts: Int, _ body: () async throws -> T) async throws -> T {
        let configured = configuration.attempts
        configuration.attempts = max(1, min(attempts, configured))
        defer { configuration.attempts = configured }
        return try await body()
    }

    /// Changes the stored line settings (after `reconfigure` succeeded).
    package func setLine(_ line: LineSettings) { configuration.line = line }

    /// What came back for one request.
    enum Outcome {
        case frame(MBusFrame)
        case silence
        case garbled(String)
    }

    /// Sends `frame` and reads one reply frame, once.
    func exchangeOnce(_ frame: MBusFrame, expectReply: Bool = true) async throws -> Outcome {
        do {
            try await transport.discardInput()
            try await transport.write(MBusFrameEncoder.encode(frame))
            guard expectReply else { return .silence }
            return try await readFrame()
        } catch let error as TransportError {
            throw MBusError.transport(error)
        }
    }

    /// Sends `frame` up to `configuration.attempts` times until a well-formed reply comes.
    /// - Throws: `MBusError.noReply` or `.garbledReply` naming `label` when every attempt failed.
    func exchange(_ frame: MBusFrame, label: String) async throws -> MBusFrame {
        var lastGarble: String?
        for _ in 0..<max(configuration.attempts, 1) {
            switch try await exchangeOnce(frame) {
            case .frame(let reply): return reply
            case .silence: continue
            case .garbled(let reason): lastGarble = reason
            }
        }
        if let lastGarble {
            throw MBusError.garbledReply(address: label, attempts: configuration.attempts, lastError: lastGarble)
        }
        throw MBusError.noReply(address: label, attempts: configuration.attempts)
    }

    /// Reads one frame: the first byte within the reply timeout, the rest with the inter-character timeout.
    /// Anything that does not decode, or bytes left over after the frame, is `.garbled` (a collision).
    private func readFrame() async throws -> Outcome {
        var decoder = MBusFrameDecoder()
        var received = 0
        while true {
            let chunk: [UInt8]
            do {
                let timeout =
                    received == 0
                    ? configuration.effectiveReplyTimeout : configuration.effectiveInterCharacterTimeout
                chunk = try await transport.read(maxCount: 512, timeout: timeout)
            } catch TransportError.timeout {
                return received == 0 ? .silence : .garbled("incomplete frame (\(received) bytes)")
            }
            received += chunk.count
            decoder.append(chunk)
            do {
                if let frame = try decoder.decode() {
                    if decoder.bufferedByteCount > 0 {
                        return .garbled("\(decoder.bufferedByteCount) bytes after the frame")
                    }
                    return .frame(frame)
                }
            } catch let error as MBusError {
                return .garbled(error.description)
            }
        }
    }

    /// The FCB for the next FCV frame to `address`, and the toggled value stored for the one after.
    func takeFCB(_ address: UInt8) -> Bool {
        let fcb = nextFCB[address] ?? true
        nextFCB[address] = !fcb
        return fcb
    }

    /// Puts back an FCB taken for an exchange that got no answer (the repeat must carry the same bit).
    func restoreFCB(_ address: UInt8, _ fcb: Bool) { nextFCB[address] = fcb }
}
