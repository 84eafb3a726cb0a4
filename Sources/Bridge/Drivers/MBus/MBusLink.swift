package import Logging
package import MBus
package import SerialIO

/// The transport of one M-Bus bus and the `MBusClient` on it, reopened after a transport failure with back-off.
///
/// The link opens lazily on the first transaction. When a transaction fails with a transport error (the device
/// vanished, the gateway closed the connection) the driver calls `drop`, the transport is closed, and the next
/// `client()` reopens it; failed opens wait 1 s, 2 s, 4 s ... up to 30 s before the next try, throwing at once
/// meanwhile. A baud-rate change is remembered (`setLine`) so a reopened serial port uses the new speed.
/// Ordering of transactions is the `BusGate`'s job, not the link's.
package actor MBusLink {
    /// Opens the transport at the given line settings.
    package typealias Opener = @Sendable (LineSettings) async throws -> any Transport

    package nonisolated let endpoint: String
    private let open: Opener
    private var configuration: MBusClientConfiguration
    private let logger: Logger
    private var current: MBusClient?
    private var retryAt: ContinuousClock.Instant?
    private var backOff: Duration = .seconds(1)
    private(set) var opens = 0
    private(set) var openFailures = 0
    private(set) var drops = 0
    /// The current outage was logged at warning level.
    private var retryLogged = false

    package init(endpoint: String, configuration: MBusClientConfiguration, logger: Logger, open: @escaping Opener) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.open = open
    }

    /// The client, opening the transport first if needed.
    /// - Throws: `MBusError.transport` when the transport cannot be opened (or the back-off has not elapsed).
    package func client() async throws -> MBusClient {
        if let current { return current }
        if let retryAt, ContinuousClock.now < retryAt {
            throw MBusError.transport(.connectFailed(endpoint: endpoint, reason: "reopening after back-off"))
        }
        do {
            let transport = try await open(configuration.line)
            let client = MBusClient(transport: transport, configuration: configuration)
            current = client
            opens += 1
            retryAt = nil
            backOff = .seconds(1)
            if retryLogged { logger.notice("M-Bus transport open again", metadata: ["endpoint": "\(endpoint)"]) }
            retryLogged = false
            logger.debug(
                "M-Bus transport open",
                metadata: ["endpoint": "\(endpoint)", "line": "\(configuration.line)"]
            )
            return client
        } catch {
            openFailures += 1
            retryAt = ContinuousClock.now + backOff
            // Once per outage: the retries of a refused connection would repeat it every back-off.
            logger.log(
                level: retryLogged ? .debug : .warning,
                "cannot open M-Bus transport",
                metadata: ["endpoint": "\(endpoint)", "error": "\(error)", "retry_in": "\(backOff)"]
            )
            retryLogged = true
            backOff = min(backOff * 2, .seconds(30))
            if let transportError = error as? TransportError { throw MBusError.transport(transportError) }
            throw MBusError.transport(.connectFailed(endpoint: endpoint, reason: "\(error)"))
        }
    }

    /// Closes the transport of `client` after a transport failure; the next `client()` reopens.
    package func drop(_ client: MBusClient) async {
        guard current === client else { return }
        current = nil
        drops += 1
        await client.transport.close()
    }

    /// Remembers a new line speed (after a baud-rate change the client made) for later reopens.
    package func setLine(_ line: LineSettings) { configuration.line = line }

    /// The line settings a reopen uses.
    package var line: LineSettings { configuration.line }

    /// Closes the transport for good (until the next `client()`).
    package func close() async {
        if let current { await current.transport.close() }
        current = nil
    }

    /// Counters for the bus diagnostics.
    package var counters: (opens: Int, openFailures: Int, drops: Int) { (opens, openFailures, drops) }
}
