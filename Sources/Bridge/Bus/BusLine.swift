package import Logging
package import SerialIO

/// The one owner of a half-duplex bus, whatever its protocol: the gate, the transport and the client on it.
///
/// Every transaction goes through `transaction(priority:meter:_:)`: it takes the gate (commands before polls, one
/// at a time, the bus's only queue), opens the transport on first use or after a failure (failed opens back off
/// as `BackOff` says, failing at once meanwhile), then counts and times the transaction, and closes the
/// transport after a failure that leaves the line out of step, so the next transaction starts clean. The line
/// settings in force are remembered across reopens (`reconfigure`). `close` waits for the transaction in flight.
///
/// The client is not `Sendable`: it lives here and its code runs on this actor's executor, as does each meter
/// driver of the bus (they share the executor), so a transaction costs no executor hop between driver, line and
/// client; only the transport's blocking I/O runs elsewhere, on its descriptor's own thread.
package actor BusLine<Client: BusClient> {
    /// Opens the transport at the given serial settings (`nil` on TCP).
    package typealias Opener = @Sendable (LineSettings?) async throws -> any Transport

    /// The device path or `host:port`.
    package nonisolated let endpoint: String
    private let gate = BusGate()
    private let open: Opener
    private let configuration: Client.Configuration
    private let logger: Logger
    private let use: BusUse
    private var settings: LineSettings?
    private var client: Client?
    private var closed = false
    private var backOff = BackOff()
    private var openFailureLogged = false
    private var opens = 0
    private var openFailures = 0
    private var drops = 0
    private var total = TransactionCounters()
    private var perMeter: [String: TransactionCounters] = [:]

    /// A line that opens nothing until its first transaction.
    /// - Parameters:
    ///   - settings: the serial settings to open at (`nil` on TCP).
    ///   - use: the bridge's line (failed opens logged with their retries) or a one-shot command's (`BusUse`).
    ///   - open: opens the transport; called again after a failure.
    package init(
        endpoint: String,
        settings: LineSettings?,
        configuration: Client.Configuration,
        logger: Logger,
        use: BusUse = .bridge,
        open: @escaping Opener
    ) {
        self.endpoint = endpoint
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        self.use = use
        self.open = open
    }

    /// Runs `body` with the client while holding the bus, and counts it for the bus and for `meter`.
    ///
    /// `body` runs on this actor's executor (it is `nonisolated(nonsending)`); it must not call back into the line.
    /// - Throws: `TransportError` when the line is closed or cannot be opened (or the back-off has not elapsed),
    ///   `CancellationError` while waiting for the gate, whatever `body` throws.
    package func transaction<T: Sendable>(
        priority: BusGate.Priority,
        meter: String? = nil,
        _ body: nonisolated(nonsending) @Sendable (Client) async throws -> T
    ) async throws -> T {
        try await gate.withTransaction(priority: priority) {
            let client = try await openClient()
            let before = client.recoveries
            let clock = ContinuousClock()
            let started = clock.now
            do {
                let result = try await body(client)
                count(nil, clock.now - started, client.recoveries - before, meter)
                return result
            } catch {
                count(Client.failureKind(error), clock.now - started, client.recoveries - before, meter)
                if Client.leavesLineOutOfStep(error), !closed {
                    logger.info("reopening \(endpoint) after: \(error)")
                    await drop()
                }
                throw error
            }
        }
    }

    /// Switches the line to new serial settings behind the gate (after the meter was told to change its baud rate
    /// or parity); a later reopen uses them too.
    /// - Throws: `TransportError` when the transport refuses the settings.
    package func reconfigure(_ settings: LineSettings) async throws {
        try await gate.withTransaction(priority: .command) {
            self.settings = settings
            if let client {
                try await client.transport.reconfigure(settings)
                client.lineChanged(to: settings)
            }
        }
    }

    /// The serial settings in force (`nil` on TCP).
    package var lineSettings: LineSettings? { settings }

    /// The transactions of `meter` so far.
    package func counters(for meter: String) -> TransactionCounters { perMeter[meter] ?? TransactionCounters() }

    /// The bus's counters.
    package func diagnostics(protocolName: String, meters: Int) -> BusDiagnostics {
        BusDiagnostics(
            meterProtocol: protocolName,
            endpoint: endpoint,
            baudRate: settings?.baudRate,
            meters: meters,
            queueLength: gate.queueLength,
            transportOpens: opens,
            openFailures: openFailures,
            transportDrops: drops,
            counters: total
        )
    }

    /// Closes the transport after the transaction in flight (at once when the calling task is already cancelled,
    /// since a cancelled task cannot wait for the gate); later transactions throw `TransportError.closed`.
    package func close() async {
        if !Task.isCancelled {
            _ = try? await gate.withTransaction(priority: .command) { await shut() }
        }
        await shut()
    }

    private func shut() async {
        closed = true
        if let client {
            self.client = nil
            await client.transport.close()
        }
    }

    private func count(
        _ failure: TransactionFailure?,
        _ elapsed: Duration,
        _ recovered: WireRecoveries,
        _ meter: String?
    ) {
        total.record(failure, elapsed: elapsed, recovered: recovered)
        if let meter {
            perMeter[meter, default: TransactionCounters()].record(failure, elapsed: elapsed, recovered: recovered)
        }
    }

    private func drop() async {
        guard let client else { return }
        self.client = nil
        drops += 1
        await client.transport.close()
    }

    private func openClient() async throws -> Client {
        if let client { return client }
        guard !closed else { throw TransportError.closed(endpoint: endpoint) }
        let now = ContinuousClock.now
        guard backOff.allowsOpen(at: now) else {
            throw TransportError.connectFailed(endpoint: endpoint, reason: "reopening after back-off")
        }
        do {
            let transport = try await open(settings)
            let client = Client.make(transport: transport, line: settings, configuration: configuration, logger: logger)
            self.client = client
            opens += 1
            backOff.succeeded()
            if openFailureLogged {
                logger.notice("the bus's transport is open again", metadata: ["endpoint": "\(endpoint)"])
            }
            openFailureLogged = false
            logger.debug(
                "bus open",
                metadata: ["endpoint": "\(endpoint)", "line": "\(settings.map { "\($0)" } ?? "tcp")"]
            )
            return client
        } catch {
            openFailures += 1
            let wait = backOff.failed(at: now)
            // Once per outage (the retries at debug); the meters' pollers log their failed polls once each. The
            // first failure waits for nothing but the next transaction: no `retry_in` of zero seconds then.
            var metadata: Logger.Metadata = ["endpoint": "\(endpoint)", "error": "\(error)"]
            guard use == .bridge else {
                // One try: the command reports the failure itself, and no retry follows.
                logger.debug("cannot open the bus's transport", metadata: metadata)
                throw error
            }
            if wait > .zero {
                metadata["retry_in"] = "\(wait)"
            } else {
                let longest = backOff.longest.components.seconds
                metadata["retry"] = "with the next transaction, then after 1 s, 2 s ... \(longest) s"
            }
            logger.log(
                level: openFailureLogged ? .debug : .error,
                "cannot open the bus's transport",
                metadata: metadata
            )
            openFailureLogged = true
            throw error
        }
    }
}
